import type { workZh } from './work.zh-CN';

/** Message catalog of the work pages (English): the same keys as work.zh-CN.ts. */
export const workEn: Record<keyof typeof workZh, string> = {
};
