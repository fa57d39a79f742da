import { z } from 'zod';

/**
 * Chinese messages for zod's built-in checks, so a rejected h5p.json or xAPI body says in Chinese which
 * field is wrong and what is allowed. Messages written on a schema itself take precedence.
 */
const TYPE_NAMES: Record<string, string> = {
  string: '文字',
  number: '数字',
  integer: '整数',
  boolean: '布尔值（true/false）',
  object: '对象',
  array: '数组',
  null: 'null',
};

export const zhErrorMap: z.ZodErrorMap = (issue) => {
  switch (issue.code) {
    case z.ZodIssueCode.invalid_type:
      if (issue.received === 'undefined') return { message: '缺少此项' };
      return { message: `类型不对，应为${TYPE_NAMES[issue.expected] ?? issue.expected}` };
    case z.ZodIssueCode.too_small:
      if (issue.type === 'string') return { message: `至少 ${issue.minimum} 个字符` };
      if (issue.type === 'array') return { message: `至少 ${issue.minimum} 项` };
      return { message: `不能小于 ${issue.minimum}` };
    case z.ZodIssueCode.too_big:
      if (issue.type === 'string') return { message: `最多 ${issue.maximum} 个字符` };
      if (issue.type === 'array') return { message: `最多 ${issue.maximum} 项` };
      return { message: `不能大于 ${issue.maximum}` };
    case z.ZodIssueCode.invalid_enum_value:
      return { message: `只能是：${issue.options.join('、')}` };
    case z.ZodIssueCode.invalid_literal:
      return { message: `只能是 ${JSON.stringify(issue.expected)}` };
    case z.ZodIssueCode.unrecognized_keys:
      return { message: `不认识的字段：${issue.keys.join('、')}` };
    case z.ZodIssueCode.not_finite:
      return { message: '应为有限的数字' };
    default:
      return { message: '格式不正确' };
  }
};

/** The first problem of a failed parse: the field's path ("statement.verb.id") and what is wrong. */
export function firstIssue(error: z.ZodError, root = ''): { field: string; problem: string } {
  const i = error.issues[0]!;
  const path = i.path.map(String).join('.');
  return { field: path || root || '(整个内容)', problem: i.message };
}
