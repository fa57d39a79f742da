import { gzipSync } from 'node:zlib';

/**
 * What "下载离线学习" of one course fetches, and about how many bytes it costs before the person
 * presses it (ADR 0016): the course page and its lesson pages, and the images the lessons show unless
 * the data saver is on. H5P activities run in a sandboxed frame with an opaque origin, which a service
 * worker cannot serve, so they are counted (to say they need a network) but never downloaded.
 */

/**
 * The compressed bytes of a page around its lesson text (header, navigation, key points box, scripts'
 * tags): measured from the built site with `npm run bench` (scenario "offline course"), which prints
 * this estimate next to the bytes really transferred.
 */
export const PAGE_SHELL_BYTES = 1100;

export interface LessonSource {
  slug: string;
  /** the lesson's rendered HTML and the other text its page shows (key points, citations) */
  html: string;
  extraText: string;
  hasActivity: boolean;
}

export interface OfflinePlan {
  pages: string[];
  images: { url: string; bytes: number }[];
  /** estimated transfer of the pages (compressed) */
  pageBytes: number;
  imageBytes: number;
  h5p: number;
}

/** Same-site images in a lesson's HTML (absolute paths only; other hosts are blocked by the CSP anyway). */
export function lessonImages(html: string): string[] {
  const out = new Set<string>();
  for (const m of html.matchAll(/<img\b[^>]*?\ssrc="(\/[^"/][^"]*)"/g)) out.add(m[1]!.replace(/&amp;/g, '&'));
  return [...out];
}

export function estimatePageBytes(text: string): number {
  return gzipSync(Buffer.from(text, 'utf8'), { level: 6 }).length + PAGE_SHELL_BYTES;
}

/** `imageBytes(url)`: the size of a stored image, or null when there is no such file. */
export function offlineCoursePlan(courseSlug: string, courseText: string, lessons: LessonSource[], imageBytes: (url: string) => number | null): OfflinePlan {
  const pages = [`/learn/courses/${courseSlug}`, ...lessons.map((l) => `/learn/courses/${courseSlug}/${l.slug}`)];
  let pageBytes = estimatePageBytes(courseText);
  const images = new Map<string, number>();
  for (const l of lessons) {
    pageBytes += estimatePageBytes(l.html + l.extraText);
    for (const url of lessonImages(l.html)) {
      const n = imageBytes(url);
      if (n !== null) images.set(url, n);
    }
  }
  const imageList = [...images].map(([url, bytes]) => ({ url, bytes }));
  return {
    pages,
    images: imageList,
    pageBytes,
    imageBytes: imageList.reduce((n, i) => n + i.bytes, 0),
    h5p: lessons.filter((l) => l.hasActivity).length,
  };
}
