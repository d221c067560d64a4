import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { bindArguments, type BindResult } from './bind-arguments';
import type { KwargsOf, TaskContract } from './task-contract';

/** Why a call's arguments were refused: a Python-binding problem, or a schema violation. */
export type PrepareError =
  | { readonly code: 'bad_arguments'; readonly reason: string; readonly excType: 'TypeError' }
  | { readonly code: 'schema'; readonly reason: string; readonly excType: 'ValueError' };

export type PrepareResult<C extends TaskContract> =
  | { readonly ok: true; readonly kwargs: KwargsOf<C> }
  | { readonly ok: false; readonly error: PrepareError; readonly kwargs: Record<string, unknown> };

/**
 * A contract with its schema compiled once. Every place that turns a call into kwargs (the
 * worker's engine, TaskClient, a handler sending another task) goes through `prepare`, so they
 * all bind, default and check the same way, and what a handler receives is what the published
 * JSON Schema describes.
 */
export interface CompiledContract<C extends TaskContract = TaskContract> {
  readonly contract: C;
  /** Celery positional `args` onto `params`, merged with `kwargs`; Python `None` = not given. */
  bind(args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>): BindResult;
  /** A copy with every schema `default` filled in where the value is absent. */
  withDefaults(kwargs: Readonly<Record<string, unknown>>): Record<string, unknown>;
  /** Null when valid, else the first few violations, readably. */
  validate(kwargs: unknown): string | null;
  /** bind, then defaults, then validate. */
  prepare(args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>): PrepareResult<C>;
}

/** How many schema violations a refusal lists; the rest add noise, not information. */
const MAX_VIOLATIONS = 5;

export function compileContract<C extends TaskContract>(contract: C): CompiledContract<C> {
  const check = TypeCompiler.Compile(contract.kwargs);
  const validate = (kwargs: unknown): string | null => {
    if (check.Check(kwargs)) return null;
    return [...check.Errors(kwargs)]
      .slice(0, MAX_VIOLATIONS)
      .map((e) => `${e.path || '(kwargs)'}: ${e.message}`)
      .join('; ');
  };
  // Most contracts declare no default at all: they skip the clone and the schema walk.
  const fillsDefaults = declaresDefault(contract.kwargs);
  const withDefaults = (kwargs: Readonly<Record<string, unknown>>): Record<string, unknown> =>
    fillsDefaults
      ? // Value.Default fills in place; the caller's kwargs (the message's) stay as sent.
        (Value.Default(contract.kwargs, structuredClone(kwargs)) as Record<string, unknown>)
      : { ...kwargs };
  const bind = (args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>) =>
    bindArguments(contract, args, kwargs);
  const prepare = (
    args: readonly unknown[],
    kwargs: Readonly<Record<string, unknown>>,
  ): PrepareResult<C> => {
    const bound = bind(args, kwargs);
    if (!bound.ok) {
      return {
        ok: false,
        kwargs: { ...kwargs },
        error: { code: 'bad_arguments', reason: bound.reason, excType: 'TypeError' },
      };
    }
    const filled = withDefaults(bound.kwargs);
    const invalid = validate(filled);
    if (invalid !== null) {
      return {
        ok: false,
        kwargs: bound.kwargs,
        error: {
          code: 'schema',
          reason: `invalid arguments for ${contract.name}: ${invalid}`,
          excType: 'ValueError',
        },
      };
    }
    // validate() has just checked `filled` against this very schema.
    return { ok: true, kwargs: filled };
  };
  return Object.freeze({ contract, bind, withDefaults, validate, prepare });
}

/** Whether a schema, or any schema inside it, declares a `default`. */
function declaresDefault(schema: unknown): boolean {
  if (schema === null || typeof schema !== 'object') return false;
  if (Array.isArray(schema)) return schema.some(declaresDefault);
  if ('default' in schema) return true;
  return Object.values(schema).some(declaresDefault);
}
