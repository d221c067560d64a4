import amqp from 'amqplib';
import {
  applyTopology,
  delayLevelsTopology,
  mergeTopologies,
  taskQueuesTopology,
} from '@burrow/shared';

/**
 * Declares what burrow workers consuming `queues` would (task queues, their dead letters, the
 * delay levels), for tests that publish where no worker runs: publishers declare nothing.
 */
export async function declareWorkerQueues(amqpUrl: string, queues: readonly string[]) {
  const connection = await amqp.connect(amqpUrl);
  try {
    const channel = await connection.createChannel();
    await applyTopology(
      channel,
      mergeTopologies(taskQueuesTopology(queues), delayLevelsTopology(queues)),
    );
  } finally {
    await connection.close();
  }
}
