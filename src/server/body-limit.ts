/**
 * Bounds on request bodies, applied by src/cli/serve.ts before a request reaches Astro: pages read
 * bodies with request.formData() / text(), which hold the whole body in memory, so the size must be
 * known and bounded first. A body must declare its length (browsers always do for forms and fetch);
 * Node's HTTP parser then never reads past it. Chunked bodies (no length) are refused with 411.
 */
const MB = 1024 * 1024;

export interface BodyLimitRule {
  prefix: string;
  maxBytes: number;
}

/** Longest prefix first. Uploads get their own limit; every other form or JSON body stays small. */
export function bodyLimitRules(h5pMaxMb: number): BodyLimitRule[] {
  return [
    // the .h5p upload: its own limit plus room for the multipart envelope (the page then says why, in Chinese)
    { prefix: '/train/h5p', maxBytes: h5pMaxMb * MB + MB },
    // roster and information-system files (src/lib/exchange/table.ts: 10 MB) plus the multipart envelope,
    // so the import page, not this guard, explains a file that is too large
    { prefix: '/admin/import', maxBytes: 11 * MB },
    { prefix: '/', maxBytes: 10 * MB },
  ];
}

export interface BodyRefusal {
  status: 411 | 413;
  message: string;
}

/** Why a request's body is refused before it is read, or null. */
export function checkRequestBody(
  method: string | undefined,
  path: string,
  headers: { 'content-length'?: string; 'transfer-encoding'?: string },
  rules: BodyLimitRule[],
): BodyRefusal | null {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return null;
  const rule = rules.find((r) => path.startsWith(r.prefix)) ?? rules.at(-1)!;
  if (headers['transfer-encoding'] !== undefined) {
    return { status: 411, message: '请求缺少 Content-Length：本系统不接收分块传输 (chunked) 的请求体。' };
  }
  const len = Number(headers['content-length'] ?? 0);
  if (!Number.isFinite(len) || len < 0) return { status: 411, message: '请求的 Content-Length 无效。' };
  if (len > rule.maxBytes) {
    return { status: 413, message: `上传内容 ${(len / MB).toFixed(1)} MB，超过此处允许的 ${(rule.maxBytes / MB).toFixed(0)} MB，未接收。` };
  }
  return null;
}
