/** Message catalog of the supervise pages (Simplified Chinese); spread into src/i18n/zh-CN.ts. */
export const superviseZh = {
} as const;
