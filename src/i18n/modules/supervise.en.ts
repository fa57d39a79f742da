import type { superviseZh } from './supervise.zh-CN';

/** Message catalog of the supervise pages (English): the same keys as supervise.zh-CN.ts. */
export const superviseEn: Record<keyof typeof superviseZh, string> = {
};
