import type { performanceZh } from './performance.zh-CN';

/** Message catalog of the performance module (English): the same keys as performance.zh-CN.ts. */
export const performanceEn: Record<keyof typeof performanceZh, string> = {
};
