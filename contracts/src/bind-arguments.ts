import type { TaskContract } from './task-contract';

export type BindResult =
  | { readonly ok: true; readonly kwargs: Record<string, unknown> }
  | { readonly ok: false; readonly reason: string };

/**
 * Maps Celery positional `args` onto the contract's parameter order and merges `kwargs`, as
 * Python would bind a call. A value given both ways, or too many positional values, is an error.
 */
export function bindArguments(
  contract: Pick<TaskContract, 'name' | 'params'> & { kwargs?: { required?: string[] } },
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>>,
): BindResult {
  const result = bindPositional(contract, args, kwargs);
  if (!result.ok) return result;
  // Python passes None for an optional argument it does not use; that means "not given".
  const required = new Set(contract.kwargs?.required ?? []);
  for (const [key, value] of Object.entries(result.kwargs)) {
    if (value === null && !required.has(key)) delete result.kwargs[key];
  }
  return result;
}

function bindPositional(
  contract: Pick<TaskContract, 'name' | 'params'>,
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>>,
): BindResult {
  if (args.length === 0) return { ok: true, kwargs: { ...kwargs } };
  if (args.length > contract.params.length) {
    return {
      ok: false,
      reason: `${contract.name} takes ${contract.params.length} positional arguments (${contract.params.join(', ')}) but ${args.length} were given`,
    };
  }
  const bound: Record<string, unknown> = { ...kwargs };
  for (let i = 0; i < args.length; i++) {
    const name = contract.params[i] as string;
    if (name in kwargs) {
      return { ok: false, reason: `${contract.name} got multiple values for argument "${name}"` };
    }
    bound[name] = args[i];
  }
  return { ok: true, kwargs: bound };
}
