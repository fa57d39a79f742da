/** 13900000005 → 139****0005 */
export function maskPhone(phone: string): string {
  if (phone.length < 7) return '*'.repeat(phone.length);
  return `${phone.slice(0, 3)}****${phone.slice(-4)}`;
}

/** 420323199001011234 → 4203**********1234 */
export function maskIdNumber(id: string | null | undefined): string {
  if (!id) return '';
  if (id.length < 8) return '*'.repeat(id.length);
  return `${id.slice(0, 4)}${'*'.repeat(id.length - 8)}${id.slice(-4)}`;
}

/** 张三丰 → 张** (for public pages) */
export function maskName(name: string): string {
  const chars = [...name];
  return chars[0] + '*'.repeat(Math.max(1, chars.length - 1));
}
