import type { fieldworkZh } from './fieldwork.zh-CN';

/** Message catalog of the fieldwork module (English): the same keys as fieldwork.zh-CN.ts. */
export const fieldworkEn: Record<keyof typeof fieldworkZh, string> = {
};
