import { describe, it, expect } from 'vitest';
import { estimatePageBytes, lessonImages, offlineCoursePlan, PAGE_SHELL_BYTES } from '../../../src/lib/offline/plan';

describe('offline course plan', () => {
  it('finds same-site images only, once each', () => {
    const html = '<p><img src="/images/a.png" alt="甲"><img alt="乙" src="/images/a.png"><img src="https://example.com/x.png"><img src="//cdn.example.com/y.png"><img src="/_astro/b.webp?w=1&amp;h=2"></p>';
    expect(lessonImages(html)).toEqual(['/images/a.png', '/_astro/b.webp?w=1&h=2']);
  });

  it('lists the course page and its lessons, sums compressed page estimates and image sizes, counts H5P', () => {
    const text = '儿童主任应当每月走访困境儿童家庭，了解监护情况。'.repeat(40);
    const plan = offlineCoursePlan(
      'c',
      '课程',
      [
        { slug: '01-a', html: `<p>${text}</p><img src="/img/1.png">`, extraText: '要点', hasActivity: false },
        { slug: '02-b', html: `<p>${text}</p><img src="/img/missing.png">`, extraText: '要点', hasActivity: true },
      ],
      (url) => (url === '/img/1.png' ? 5000 : null),
    );
    expect(plan.pages).toEqual(['/learn/courses/c', '/learn/courses/c/01-a', '/learn/courses/c/02-b']);
    expect(plan.images).toEqual([{ url: '/img/1.png', bytes: 5000 }]);
    expect(plan.imageBytes).toBe(5000);
    expect(plan.h5p).toBe(1);
    // repetitive Chinese text compresses well: each page costs the shell plus far less than its raw size
    const one = estimatePageBytes(`<p>${text}</p>`);
    expect(one).toBeGreaterThan(PAGE_SHELL_BYTES);
    expect(one).toBeLessThan(PAGE_SHELL_BYTES + Buffer.byteLength(text) / 4);
    expect(plan.pageBytes).toBeGreaterThan(3 * PAGE_SHELL_BYTES);
  });
});
