/** Message catalog of the work pages (Simplified Chinese); spread into src/i18n/zh-CN.ts. */
export const workZh = {
} as const;
