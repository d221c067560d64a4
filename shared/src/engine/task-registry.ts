import {
  compileContract,
  type CompiledContract,
  type KwargsOf,
  type ResultOf,
  type TaskContract,
} from '@burrow/contracts';
import type { TaskContext, TaskRunContext } from './task-context';

/**
 * A task implementation typed from its contract: kwargs as the schema describes them (defaults
 * applied, validated), the result as the result schema describes it.
 */
export type TaskHandler<C extends TaskContract, S> = (
  kwargs: KwargsOf<C>,
  ctx: TaskContext<S>,
) => Promise<ResultOf<C>>;

/** A handler whose kwargs type has been checked once, by `defineHandler`, and then erased. */
export type AnyTaskHandler<S> = (
  kwargs: Record<string, unknown>,
  ctx: TaskContext<S>,
) => Promise<unknown>;

/** A contract, with the handler that runs it when this build implements it. */
export interface TaskDefinition<S = unknown> {
  readonly contract: TaskContract;
  readonly handler?: AnyTaskHandler<S> | null | undefined;
}

/**
 * Attaches a handler to its contract. The handler's types come from the contract, so it cannot
 * be attached to the wrong task and needs no cast of its kwargs.
 */
export function defineHandler<C extends TaskContract, S>(
  contract: C,
  handler: TaskHandler<C, S>,
): TaskDefinition<S> {
  // The engine hands this handler only kwargs prepared (bound, defaulted, validated) against
  // this very contract, which is what makes the erasure sound.
  const erased: AnyTaskHandler<S> = handler;
  return Object.freeze({ contract, handler: erased });
}

/** A handler with the services it was registered with: what the engine runs. */
export interface BoundHandler {
  readonly handler: AnyTaskHandler<unknown>;
  /** Its family's services, handed to it as `ctx.services`. */
  readonly services: unknown;
}

/** What the engine finds under a task name. */
export interface RegisteredTask {
  readonly contract: TaskContract;
  readonly compiled: CompiledContract;
  /** Null when this build has no handler for the task. */
  readonly bound: BoundHandler | null;
}

/** Runs a bound handler: the context is built once, services included (the hot path). */
export function runBound(
  bound: BoundHandler,
  kwargs: Record<string, unknown>,
  ctx: TaskRunContext,
): Promise<unknown> {
  return bound.handler(kwargs, {
    taskId: ctx.taskId,
    taskName: ctx.taskName,
    queue: ctx.queue,
    retries: ctx.retries,
    maxRetries: ctx.maxRetries,
    replayed: ctx.replayed,
    // Read through, not copied: the engine makes a task's AbortSignal on first use.
    get signal() {
      return ctx.signal;
    },
    logger: ctx.logger,
    reportProgress: ctx.reportProgress,
    services: bound.services,
  });
}

/** Plain map from task name to compiled contract and handler (bound to its services). */
export class TaskRegistry {
  private readonly tasks = new Map<string, RegisteredTask>();

  /** Registers contract-only definitions (no services needed). */
  constructor(definitions: readonly TaskDefinition<undefined>[] = []) {
    this.add(definitions, undefined);
  }

  /**
   * Registers definitions whose handlers receive `services` as `ctx.services`. A contract
   * registered twice keeps the handler it has; two handlers for one task are an error.
   */
  add<S>(definitions: readonly TaskDefinition<S>[], services: S): this {
    for (const { contract, handler } of definitions) {
      const existing = this.tasks.get(contract.name);
      if (existing?.bound && handler) throw new Error(`task ${contract.name} has two handlers`);
      // A handler for S receives exactly the S given here, which makes widening it sound.
      const bound: BoundHandler | null = handler
        ? { handler: handler as AnyTaskHandler<unknown>, services }
        : (existing?.bound ?? null);
      this.tasks.set(contract.name, {
        contract,
        compiled: existing?.contract === contract ? existing.compiled : compileContract(contract),
        bound,
      });
    }
    return this;
  }

  get(name: string): RegisteredTask | undefined {
    return this.tasks.get(name);
  }

  names(): string[] {
    return [...this.tasks.keys()].sort();
  }

  queues(): string[] {
    return [...new Set([...this.tasks.values()].map((t) => t.contract.queue))].sort();
  }
}
