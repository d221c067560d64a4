import type { TaskContract } from '../task-contract';

/** A Python string literal (single-quoted, escaped). */
export function pyString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/**
 * The positional params a call must give: up to and including the last required one. An
 * optional param before it (push's `user_tokens`) is passed too, as Python `None` if unused.
 */
export function requiredPositional(contract: Pick<TaskContract, 'params' | 'kwargs'>): string[] {
  const required = new Set(contract.kwargs.required ?? []);
  const last = contract.params.findLastIndex((param) => required.has(param));
  return contract.params.slice(0, last + 1);
}

/**
 * The shortest Celery client call that gives every required argument positionally, e.g.
 * `send_task('tasks.email_tasks.send_email_task', args=[to_email, subject, body])`; the
 * remaining params may follow in `args` or go in `kwargs`.
 */
export function sendTaskCall(contract: Pick<TaskContract, 'name' | 'params' | 'kwargs'>): string {
  const args = requiredPositional(contract);
  const tail = args.length === 0 ? '' : `, args=[${args.join(', ')}]`;
  return `send_task(${pyString(contract.name)}${tail})`;
}
