import { PermanentError } from '@burrow/shared';

/** A bulk recipient as the catalogue accepts it. */
export type BulkRecipientInput =
  | string
  | { email: string; name?: string | undefined; fields?: Record<string, string> | undefined };

/** Text and/or HTML with `{{field}}` placeholders. */
export interface EmailTemplate {
  readonly text?: string;
  readonly html?: string;
}

/**
 * Templates a bulk task may name instead of giving a body. They live in code until the
 * configuration grows a template directory; each fills `{{name}}` and the recipient's fields.
 */
export const BUILTIN_TEMPLATES: Readonly<Record<string, EmailTemplate>> = {
  daily_digest: {
    text: 'Hello {{name}},\n\nHere is what happened on {{date}}:\n\n{{digest}}\n',
    html: '<p>Hello {{name}},</p><p>Here is what happened on {{date}}:</p><div>{{digest}}</div>',
  },
};

/** Fills placeholders; compiled once per bulk task, applied once per recipient. */
export type CompiledTemplate = (values: Readonly<Record<string, string>>) => string;

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

/**
 * Compiles `Hello {{name}}` into a function of the merge values. A placeholder without a
 * value becomes empty (a stray `{{name}}` in a customer's inbox is worse). In HTML, values
 * are escaped, so a recipient's name cannot inject markup.
 */
export function compileTemplate(source: string, options: { html: boolean }): CompiledTemplate {
  const parts = source.split(PLACEHOLDER);
  if (parts.length === 1) return () => source;
  const encode = options.html ? escapeHtml : (value: string) => value;
  return (values) => {
    let out = '';
    for (let i = 0; i < parts.length; i += 1) {
      const part = parts[i] ?? '';
      out += i % 2 === 0 ? part : encode(values[part] ?? '');
    }
    return out;
  };
}

/** Merge values of one recipient: its fields, then `email` and `name` (which win). */
export function mergeValues(recipient: BulkRecipientInput): Record<string, string> {
  if (typeof recipient === 'string') return { email: recipient, name: '' };
  return { ...recipient.fields, email: recipient.email, name: recipient.name ?? '' };
}

/** The body sources of a bulk task: its own body/html, else the named template. */
export function bodySources(input: {
  body?: string | undefined;
  html?: string | undefined;
  template?: string | undefined;
}): EmailTemplate {
  if (input.body !== undefined || input.html !== undefined) {
    return {
      ...(input.body !== undefined ? { text: input.body } : {}),
      ...(input.html !== undefined ? { html: input.html } : {}),
    };
  }
  if (input.template === undefined)
    throw new PermanentError('give body, html or template', 'invalid_message');
  const template = BUILTIN_TEMPLATES[input.template];
  if (!template)
    throw new PermanentError(
      `unknown template ${input.template}; known: ${Object.keys(BUILTIN_TEMPLATES).join(', ')}`,
      'unknown_template',
    );
  return template;
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
