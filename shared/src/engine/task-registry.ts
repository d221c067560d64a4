import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { TaskContract } from '@burrow/contracts';
import type { TaskContext } from './task-context';

/** A task implementation: plain async function of validated kwargs and a context. */
export type TaskHandler<S = unknown> = (
  kwargs: Record<string, unknown>,
  ctx: TaskContext<S>,
) => Promise<unknown>;

/** What a task module contributes: contracts, with handlers for those it implements. */
export interface TaskDefinition<S = unknown> {
  readonly contract: TaskContract;
  readonly handler?: TaskHandler<S> | undefined;
}

export interface RegisteredTask<S = unknown> {
  readonly contract: TaskContract;
  readonly handler: TaskHandler<S> | null;
  /** Returns null when valid, else a readable list of schema violations. */
  readonly validate: (kwargs: unknown) => string | null;
}

/** Plain map from task name to contract, handler and compiled validator. */
export class TaskRegistry<S = unknown> {
  private readonly tasks = new Map<string, RegisteredTask<S>>();

  constructor(definitions: readonly TaskDefinition<S>[]) {
    for (const { contract, handler } of definitions) {
      const existing = this.tasks.get(contract.name);
      if (existing?.handler && handler) throw new Error(`task ${contract.name} has two handlers`);
      const check = TypeCompiler.Compile(contract.kwargs);
      this.tasks.set(contract.name, {
        contract,
        handler: handler ?? existing?.handler ?? null,
        validate: (kwargs) => {
          if (check.Check(kwargs)) return null;
          return [...check.Errors(kwargs)]
            .slice(0, 5)
            .map((e) => `${e.path || '(kwargs)'}: ${e.message}`)
            .join('; ');
        },
      });
    }
  }

  get(name: string): RegisteredTask<S> | undefined {
    return this.tasks.get(name);
  }

  names(): string[] {
    return [...this.tasks.keys()].sort();
  }

  queues(): string[] {
    return [...new Set([...this.tasks.values()].map((t) => t.contract.queue))].sort();
  }
}
