/** Message catalog of the performance module (Simplified Chinese); spread into src/i18n/zh-CN.ts. */
export const performanceZh = {
} as const;
