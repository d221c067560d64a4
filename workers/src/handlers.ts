import { CATALOGUE, systemHealthCheckTask } from '@burrow/contracts';
import type { TaskDefinition, TaskHandler } from '@burrow/shared';
import { systemHealthCheck } from './cleanup/system-health-check';
import type { WorkerServices } from './services';

/** Handlers by task name; catalogue tasks missing here fail with a clear permanent error. */
const HANDLERS: Readonly<Record<string, TaskHandler<WorkerServices>>> = {
  [systemHealthCheckTask.name]: systemHealthCheck,
};

/** The catalogue with the handlers this build implements. */
export function catalogueDefinitions(): TaskDefinition<WorkerServices>[] {
  return CATALOGUE.map((contract) => ({ contract, handler: HANDLERS[contract.name] }));
}
