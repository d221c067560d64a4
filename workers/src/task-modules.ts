import path from 'node:path';
import type { TaskDefinition } from '@burrow/shared';
import type { BackendClient } from './providers/backend-client';

/** What handlers of user task modules reach through `ctx.services`. */
export interface TaskModuleServices {
  /** The product backend's API (BACKEND_API_URL). */
  readonly backend: BackendClient;
}

/**
 * Loads user task modules named in config (WORKER_TASK_MODULES). Each module exports `tasks`:
 * an array of `defineHandler(contract, handler)` (from @burrow/shared), or of plain
 * `{ contract, handler }` objects with contracts built by `defineTask` from @burrow/contracts.
 */
export function loadTaskModules(
  modules: readonly string[],
  cwd = process.cwd(),
): TaskDefinition<TaskModuleServices>[] {
  return modules.flatMap((name) => {
    const resolved = name.startsWith('.') || name.startsWith('/') ? path.resolve(cwd, name) : name;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require(resolved) as { tasks?: unknown };
    if (!Array.isArray(loaded.tasks))
      throw new Error(`task module ${name} must export "tasks": an array of { contract, handler }`);
    return loaded.tasks.map((task: TaskDefinition<TaskModuleServices>, i: number) => {
      if (!task?.contract?.name || !task.contract.queue)
        throw new Error(`task module ${name}: tasks[${i}] has no contract name/queue`);
      return task;
    });
  });
}
