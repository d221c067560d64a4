/** One refused field: a JSON Pointer into the body (`/attachments/0`) and what is wrong. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/**
 * Splits the contracts' one-line refusal ("invalid arguments for t: /a: msg; /b: msg") into
 * field errors, so HTTP callers get paths they can map onto their form fields. A reason that
 * does not have that shape becomes one error at the root. Pure.
 */
export function fieldErrors(reason: string): FieldError[] {
  const body = reason.replace(/^invalid arguments for [^:]+: /, '');
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const part of body.split(/; (?=\/|\(kwargs\))/)) {
    const match = /^(\/[^:]*|\(kwargs\)): (.*)$/s.exec(part);
    const error = match
      ? { path: match[1] === '(kwargs)' ? '' : (match[1] ?? ''), message: match[2] ?? '' }
      : { path: '', message: part };
    const id = `${error.path}\n${error.message}`;
    if (!seen.has(id)) errors.push(error);
    seen.add(id);
  }
  return errors;
}
