import amqplib from 'amqplib';
import { Redis } from 'ioredis';

/**
 * The minimal loop as a process of its own, for the latency bench's reference row: per message
 * it parses the body, stores a SUCCESS meta whose result is `{sent_at, started_at}` (the shape
 * bench.stamp returns) and PUBLISHes it in one MULTI, then acks. What it takes from enqueue to
 * start is what the broker and the machine take: no worker can start sooner.
 *
 * Environment: RABBITMQ_URL, REDIS_URL, REDIS_KEY_PREFIX, BENCH_QUEUE, BENCH_PREFETCH.
 */
async function main(): Promise<void> {
  const queue = process.env.BENCH_QUEUE!;
  const prefix = process.env.REDIS_KEY_PREFIX ?? '';
  const connection = await amqplib.connect(process.env.RABBITMQ_URL!, {
    clientProperties: { connection_name: 'bench minimal consumer' },
  });
  const channel = await connection.createChannel();
  const redis = new Redis(process.env.REDIS_URL!, {
    enableAutoPipelining: true,
    maxRetriesPerRequest: null,
    connectionName: 'bench-minimal-consumer',
  });
  await channel.prefetch(Number(process.env.BENCH_PREFETCH ?? 64));
  await channel.consume(
    queue,
    (msg) => {
      if (msg === null) process.exit(1);
      const startedAt = performance.timeOrigin + performance.now();
      const [args] = JSON.parse(msg.content.toString('utf8')) as [unknown[]];
      const id = String(msg.properties.headers?.id);
      const key = `${prefix}celery-task-meta-${id}`;
      const json = JSON.stringify({
        status: 'SUCCESS',
        result: { sent_at: args[0], started_at: startedAt },
        traceback: null,
        children: [],
        date_done: new Date().toISOString(),
        task_id: id,
      });
      redis
        .multi()
        .set(key, json, 'EX', 86_400)
        .publish(key, json)
        .exec()
        .then(
          () => channel.ack(msg),
          (err: Error) => {
            process.stderr.write(`minimal consumer: ${err.message}\n`);
            process.exit(1);
          },
        );
    },
    { noAck: false },
  );
  process.stdout.write('minimal consumer ready\n');
  process.once('SIGTERM', () => {
    void connection
      .close()
      .catch(() => undefined)
      .finally(() => {
        redis.disconnect();
        process.exit(0);
      });
  });
}

main().catch((err: Error) => {
  process.stderr.write(`minimal consumer failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
