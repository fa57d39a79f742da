/** Message catalog of the fieldwork module (Simplified Chinese); spread into src/i18n/zh-CN.ts. */
export const fieldworkZh = {
} as const;
