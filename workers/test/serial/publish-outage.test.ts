import {
  BrokerUnavailableError,
  connectFleet,
  createLogger,
  taskQueuesTopology,
} from '@burrow/shared';
import { deleteQueues } from '../../../testing/fixture-worker';
import { stackFleetConfig, uniqueName } from '../../../testing/stack';
import { stackCommand } from '../../../testing/stack-control';

describe('publishing while RabbitMQ is down', () => {
  const queue = uniqueName('outage');
  afterAll(async () => {
    await stackCommand('start-rabbitmq');
    await deleteQueues(queue, `${queue}.dead`);
  });

  it('waits a bounded time in a bounded buffer, then fails loudly; never drops silently', async () => {
    const logger = createLogger({ service: 'test', silent: true });
    const fleet = await connectFleet(
      stackFleetConfig({ publishTimeoutMs: 2_000, maxBuffered: 3 }),
      logger,
      {
        topology: taskQueuesTopology([queue]),
        connectionName: 'publish outage test',
      },
    );
    const { publisher } = fleet;
    await publisher.publishTask(queue, { id: 'before-outage', task: 'x' });

    await stackCommand('stop-rabbitmq');
    const started = Date.now();
    const waiting = [1, 2, 3].map((n) =>
      publisher.publishTask(queue, { id: `during-${n}`, task: 'x' }),
    );
    const settled = Promise.allSettled(waiting);
    await expect(publisher.publishTask(queue, { id: 'overflow', task: 'x' })).rejects.toThrow(
      /publish buffer full \(3 messages waiting/,
    );
    const outcomes = await settled;
    const waited = Date.now() - started;
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const reason = (outcome as PromiseRejectedResult).reason as Error;
      expect(reason).toBeInstanceOf(BrokerUnavailableError);
      expect(reason.message).toMatch(/no confirm within 2000ms/);
    }
    expect(waited).toBeGreaterThanOrEqual(1_900);
    expect(waited).toBeLessThan(5_000);
    expect(publisher.buffered).toBe(0);

    await stackCommand('start-rabbitmq');
    await publisher.publishTask(queue, { id: 'after-outage', task: 'x' });
    await fleet.close();
  });
});
