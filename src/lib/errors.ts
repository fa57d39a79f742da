/**
 * An error a person can act on: `field` names the form field, `key` is a message-catalog key
 * (src/i18n), optionally with parameters. Pages turn it into a message next to the field.
 */
export class FieldError extends Error {
  constructor(
    public readonly field: string,
    public readonly key: string,
    public readonly params: Record<string, string | number> = {},
  ) {
    super(`${field}: ${key}`);
    this.name = 'FieldError';
  }
}

/** The caller may not see or touch this object: pages answer 404 so nothing about it leaks. */
export class NotFoundError extends Error {
  constructor(what = 'not found') {
    super(what);
    this.name = 'NotFoundError';
  }
}
