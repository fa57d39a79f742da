import { describe, it, expect } from 'vitest';
import { z } from 'zod';
import { isValidIdNumber, parseWith, phoneField, idNumberField, personName, decodeMessage } from '../../../src/lib/validation/form';
import { newPersonSchema } from '../../../src/lib/people/schemas';
import { maskPhone, maskIdNumber, maskName } from '../../../src/lib/privacy/mask';
import { translator } from '../../../src/i18n/index';
import { zhCN } from '../../../src/i18n/zh-CN';
import { en } from '../../../src/i18n/en';

describe('field validation', () => {
  it('checks ID numbers by GB 11643 check digit and date', () => {
    expect(isValidIdNumber('11010519491231002X')).toBe(true);
    expect(isValidIdNumber('110105194912310021')).toBe(false);
    expect(isValidIdNumber('420323199001011239')).toBe(true);
    expect(isValidIdNumber('420323199002301234')).toBe(false);
    expect(isValidIdNumber('42032319900101123')).toBe(false);
  });

  it('normalises phones people type with spaces and dashes', () => {
    expect(phoneField.parse('139 0000-0005')).toBe('13900000005');
    expect(phoneField.safeParse('12900000005').success).toBe(false);
    expect(phoneField.safeParse(undefined).success).toBe(false);
  });

  it('reports each bad field with a catalog key that names the field in Chinese', () => {
    const r = parseWith(newPersonSchema, { name: '', phone: '123', idNumber: '42032319900101123X', role: 'king', regionId: 'abc' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const t = translator('zh-CN');
    expect(t.field('phone', r.errors.phone!)).toBe('手机号：请输入 11 位手机号，以 1 开头。');
    expect(t.field('name', r.errors.name!)).toBe('姓名：必填。');
    expect(t.field('idNumber', r.errors.idNumber!)).toMatch(/^身份证号：/);
    expect(t.field('role', r.errors.role!)).toMatch(/^角色：/);
    expect(t.field('regionId', r.errors.regionId!)).toBe('区划：请选择。');
  });

  it('survives hostile and wrong-typed input without throwing', () => {
    const inputs: unknown[] = [null, 42, [], { name: { $ne: 1 } }, { name: 'a'.repeat(10_000), phone: '\u0000' }, { name: "'; drop table users;--" }];
    for (const i of inputs) expect(parseWith(newPersonSchema, i).ok).toBe(false);
    expect(personName.safeParse('欧阳·娜娜').success).toBe(true);
    expect(personName.safeParse('<script>').success).toBe(false);
    expect(idNumberField.parse('')).toBeNull();
    expect(idNumberField.parse(' 11010519491231002x ')).toBe('11010519491231002X');
  });

  it('maps zod’s own messages to a generic one', () => {
    expect(decodeMessage('Expected string, received number').key).toBe('v.invalid');
    expect(decodeMessage('v.maxLength|max=30')).toEqual({ key: 'v.maxLength', params: { max: '30' } });
    expect(parseWith(z.object({ a: z.string() }), {}).ok).toBe(false);
  });
});

describe('masking', () => {
  it('masks phones, ID numbers and names', () => {
    expect(maskPhone('13900000005')).toBe('139****0005');
    expect(maskIdNumber('420323199001011239')).toBe('4203**********1239');
    expect(maskName('张三')).toBe('张*');
  });
});

describe('message catalogs', () => {
  it('have the same keys and placeholders in both languages', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zhCN).sort());
    for (const k of Object.keys(zhCN) as (keyof typeof zhCN)[]) {
      const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      expect(ph(en[k]), k).toEqual(ph(zhCN[k]));
    }
  });
  it('formats dates in China Standard Time', () => {
    expect(translator('zh-CN').dateTime(Date.UTC(2026, 0, 1, 16, 30))).toContain('00:30');
  });
});
