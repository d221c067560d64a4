import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { defineTask } from '@burrow/contracts';
import {
  TaskClient,
  TaskConsumer,
  TaskRegistry,
  connectFleet,
  createLogger,
  delayLevelsTopology,
  mergeTopologies,
  taskQueuesTopology,
} from '@burrow/shared';
import { benchFleetConfig } from './fixture';

/**
 * How close to its target a countdown runs, through the delay levels of the real broker:
 * countdowns of 1, 5, 30 and 300 s (BENCH_DELAYS overrides), several samples each, sent at once.
 * Prints a table of lateness (run time − target) and writes bench/results/delays.md.
 */
async function main(): Promise<void> {
  const countdowns = (process.env.BENCH_DELAYS ?? '1,5,30,300').split(',').map(Number);
  const samples = Number(process.env.BENCH_DELAY_SAMPLES ?? 5);
  const amqpUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@localhost:5672';
  const redisUrl = process.env.REDIS_URL ?? 'redis://localhost:6379';
  const queue = `bench.delay.${randomBytes(4).toString('hex')}`;
  const logger = createLogger({ service: 'bench', level: 'warn' });
  const contract = defineTask({
    name: 'bench.now',
    queue,
    description: 'Returns when it ran.',
    params: [],
    kwargs: Type.Object({}, { additionalProperties: false }),
    result: Type.Number(),
  });
  const fleet = await connectFleet(benchFleetConfig(amqpUrl, redisUrl), logger, {
    topology: mergeTopologies(taskQueuesTopology([queue]), delayLevelsTopology([queue])),
    connectionName: 'bench delay sweep',
    redisRole: 'worker',
    subscriber: true,
  });
  const { connection, publisher, redis, results } = fleet;
  const subscriber = fleet.subscriber!;
  const consumer = new TaskConsumer({
    connection,
    publisher,
    results,
    redis,
    registry: new TaskRegistry([{ contract, handler: () => Promise.resolve(Date.now()) }]),
    logger,
    queues: [queue],
    concurrency: 16,
    workerName: 'delay-sweep@bench',
  });
  await consumer.start();
  const client = new TaskClient({ publisher, results, subscriber, extraContracts: [contract] });
  const longest = Math.max(...countdowns);
  process.stdout.write(
    `delay sweep: ${countdowns.join(', ')} s × ${samples} samples; about ${longest} s\n`,
  );
  const rows = await Promise.all(
    countdowns.map(async (countdown) => {
      const late = await Promise.all(
        Array.from({ length: samples }, async () => {
          const sentAt = Date.now();
          const id = await client.send('bench.now', {}, { countdown });
          const ranAt = await client.wait<number>(id, (countdown + 30) * 1000);
          return ranAt - (sentAt + countdown * 1000);
        }),
      );
      late.sort((a, b) => a - b);
      return { countdown, late };
    }),
  );
  const table = [
    '| countdown | samples | earliest | median | latest (ms after target) |',
    '| --------: | ------: | -------: | -----: | -----------------------: |',
    ...rows.map(
      ({ countdown, late }) =>
        `| ${countdown} s | ${late.length} | ${late[0]} | ${late[Math.floor(late.length / 2)]} | ${late[late.length - 1]} |`,
    ),
  ].join('\n');
  process.stdout.write(`${table}\n`);
  const out = path.join(__dirname, '..', 'results', 'delays.md');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `# Delay precision\n\n- date: ${new Date().toISOString()}\n\n${table}\n`);
  await consumer.stop();
  const channel = await connection.current?.createChannel();
  await channel?.deleteQueue(queue);
  await channel?.deleteQueue(`${queue}.dead`);
  await fleet.close();
}

main().catch((err: Error) => {
  process.stderr.write(`delay sweep failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
