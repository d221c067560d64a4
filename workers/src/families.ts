import { QUEUES, type QueueName } from '@burrow/contracts';
import type { cleanupFamily } from './cleanup';
import type { dataProcessingFamily } from './data-processing';
import type { emailFamily } from './email';
import type { notificationsFamily } from './notifications';
import type { TaskFamily } from './family';

/* eslint-disable @typescript-eslint/no-require-imports -- loading on demand is the point */

/**
 * Where each queue's family lives, imported only when a worker consumes that queue: an
 * email-only worker never loads the push or SMS SDKs. A queue without a family yet keeps its
 * catalogue contracts, whose tasks fail with NotImplementedError.
 */
const FAMILY_LOADERS: Readonly<Record<QueueName, (() => TaskFamily) | null>> = {
  email: () => (require('./email') as { emailFamily: typeof emailFamily }).emailFamily,
  notifications: () =>
    (require('./notifications') as { notificationsFamily: typeof notificationsFamily })
      .notificationsFamily,
  data_processing: () =>
    (require('./data-processing') as { dataProcessingFamily: typeof dataProcessingFamily })
      .dataProcessingFamily,
  cleanup: () => (require('./cleanup') as { cleanupFamily: typeof cleanupFamily }).cleanupFamily,
};
/* eslint-enable @typescript-eslint/no-require-imports */

function isCatalogueQueue(queue: string): queue is QueueName {
  return (QUEUES as readonly string[]).includes(queue);
}

/** The families of the given queues, in catalogue order; other queues have none. */
export function loadFamilies(queues: readonly string[]): TaskFamily[] {
  const wanted = QUEUES.filter((queue) => queues.includes(queue) && isCatalogueQueue(queue));
  return wanted.flatMap((queue) => FAMILY_LOADERS[queue]?.() ?? []);
}

/** Every family, for documentation (the generated configuration table). */
export function loadAllFamilies(): TaskFamily[] {
  return loadFamilies(QUEUES);
}
