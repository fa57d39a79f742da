import type { Page } from '@playwright/test';

/** A `<form method="post">` as the page renders it: what a browser would send when it is submitted. */
export interface ParsedForm {
  /** absolute path (with query) the form posts to */
  action: string;
  multipart: boolean;
  fields: FormField[];
  /** named submit buttons: each is a way to send the form */
  buttons: [string, string][];
}

export interface FormField {
  name: string;
  tag: 'input' | 'select' | 'textarea';
  type: string;
  value: string;
  /** checkbox/radio: checked in the page */
  checked: boolean;
  /** select: the option values */
  options: string[];
  maxlength: number | null;
  min: string | null;
  required: boolean;
}

/** Parses the post forms of `html` (served at `pageUrl`) in a browser page with scripts off. */
export async function parseForms(page: Page, html: string, pageUrl: string): Promise<ParsedForm[]> {
  await page.setContent(html, { waitUntil: 'domcontentloaded' });
  return page.evaluate((pageUrl) => {
    const out: ParsedForm[] = [];
    for (const form of Array.from(document.querySelectorAll('form'))) {
      if ((form.getAttribute('method') ?? '').toLowerCase() !== 'post') continue;
      const u = new URL(form.getAttribute('action') || pageUrl, pageUrl);
      const fields: FormField[] = [];
      const buttons: [string, string][] = [];
      for (const el of Array.from(form.querySelectorAll('input, select, textarea, button'))) {
        const name = el.getAttribute('name');
        if (!name) continue;
        if (el instanceof HTMLButtonElement) {
          if ((el.getAttribute('type') ?? 'submit') === 'submit') buttons.push([name, el.getAttribute('value') ?? '']);
          continue;
        }
        if (el.hasAttribute('disabled')) continue;
        const tag = el.tagName.toLowerCase() as FormField['tag'];
        const type = tag === 'input' ? (el.getAttribute('type') ?? 'text').toLowerCase() : tag;
        if (type === 'submit' || type === 'image') {
          buttons.push([name, el.getAttribute('value') ?? '']);
          continue;
        }
        if (type === 'button' || type === 'reset') continue;
        const ml = el.getAttribute('maxlength');
        fields.push({
          name,
          tag,
          type,
          value: tag === 'select' ? ((el as HTMLSelectElement).querySelector('option[selected]')?.getAttribute('value') ?? '') : tag === 'textarea' ? (el.textContent ?? '') : (el.getAttribute('value') ?? (type === 'checkbox' || type === 'radio' ? 'on' : '')),
          checked: el.hasAttribute('checked'),
          options: tag === 'select' ? Array.from((el as HTMLSelectElement).querySelectorAll('option')).map((o) => o.getAttribute('value') ?? o.textContent ?? '') : [],
          maxlength: ml ? Number(ml) : null,
          min: el.getAttribute('min'),
          required: el.hasAttribute('required'),
        });
      }
      out.push({ action: u.pathname + u.search, multipart: (form.getAttribute('enctype') ?? '').toLowerCase() === 'multipart/form-data', fields, buttons });
    }
    return out;
  }, pageUrl);
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A valid-looking body for the form: what the page filled in, and for the fields a person types into, a
 * plausible value by the field's type (a person does not leave a required field empty). `fill` overrides
 * by name.
 */
export function baseline(f: ParsedForm, button: [string, string] | null, fill: Record<string, string> = {}): [string, string][] {
  const soon = new Date(Date.now() + 7 * 86_400_000);
  const day = `${soon.getFullYear()}-${pad(soon.getMonth() + 1)}-${pad(soon.getDate())}`;
  const out: [string, string][] = [];
  const radiosDone = new Set<string>();
  for (const x of f.fields) {
    if (x.name in fill) {
      if (!out.some(([k]) => k === x.name)) out.push([x.name, fill[x.name]!]);
      continue;
    }
    if (x.type === 'checkbox') {
      if (x.checked) out.push([x.name, x.value]);
      continue;
    }
    if (x.type === 'radio') {
      if (radiosDone.has(x.name)) continue;
      const group = f.fields.filter((y) => y.type === 'radio' && y.name === x.name);
      out.push([x.name, (group.find((y) => y.checked) ?? group[0]!).value]);
      radiosDone.add(x.name);
      continue;
    }
    if (x.type === 'file') continue;
    let v = x.value;
    if (x.tag === 'select' && v === '') v = x.options.find((o) => o !== '') ?? '';
    if (v === '') {
      if (x.type === 'hidden') v = '';
      else if (x.type === 'password') v = 'Tonghu#2026';
      else if (x.type === 'tel') v = '13912345678';
      else if (x.type === 'date') v = day;
      else if (x.type === 'datetime-local') v = `${day}T09:00`;
      else if (x.type === 'number') v = x.min ?? '1';
      else if (x.tag === 'textarea') v = '测试说明：用于核对表单的一段文字。';
      else v = '测试内容';
    }
    out.push([x.name, v]);
  }
  if (button) out.push(button);
  return out;
}

/** The form as multipart/form-data, file inputs as small files (a person who picks the wrong file). */
export function multipartBody(pairs: [string, string][], files: string[], fileBytes: Buffer, fileName = 'hostile.xlsx'): { contentType: string; body: Buffer } {
  const b = '----hostileform' + Math.random().toString(16).slice(2);
  const parts: Buffer[] = [];
  for (const [k, v] of pairs) parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${k.replace(/["\r\n]/g, '_')}"\r\n\r\n${v}\r\n`));
  for (const f of files) parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${f}"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`), fileBytes, Buffer.from('\r\n'));
  parts.push(Buffer.from(`--${b}--\r\n`));
  return { contentType: `multipart/form-data; boundary=${b}`, body: Buffer.concat(parts) };
}
