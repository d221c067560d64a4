import { CATALOGUE } from '@burrow/contracts';
import type { QueueOf } from './follow-up';

const CATALOGUE_QUEUES: ReadonlyMap<string, string> = new Map(
  CATALOGUE.map((contract) => [contract.name, contract.queue]),
);

/**
 * Where a follow-up naming no queue goes: the queue of a task this worker registered (user task
 * modules included), else the catalogue's. Python-only tasks are in neither: their signatures
 * must say their queue, since Celery's task_routes live in the Python app, not on the wire.
 */
export function queueOfTasks(registered: QueueOf): QueueOf {
  return (task) => registered(task) ?? CATALOGUE_QUEUES.get(task);
}
