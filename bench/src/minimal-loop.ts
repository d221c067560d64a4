import amqplib, { type ConsumeMessage } from 'amqplib';
import { Redis } from 'ioredis';
import { startProgress } from './format';
import { CompletionCounter, cpuClock, type DrainResult } from './drain-result';

export interface MinimalLoopOptions {
  readonly label: string;
  readonly amqpUrl: string;
  readonly redisUrl: string;
  readonly queue: string;
  readonly keyPrefix: string;
  readonly tasks: number;
  readonly prefetch: number;
}

/**
 * The ceiling: the least a Celery-compatible worker can do per message. Parse the body, take
 * the id from the headers, store a SUCCESS meta and PUBLISH it in one MULTI, then ack.
 */
export async function drainMinimal(options: MinimalLoopOptions): Promise<DrainResult> {
  const { label } = options;
  const connection = await amqplib.connect(options.amqpUrl, {
    clientProperties: { connection_name: 'bench minimal loop' },
  });
  const channel = await connection.createChannel();
  const redis = new Redis(options.redisUrl, {
    lazyConnect: true,
    enableAutoPipelining: true,
    maxRetriesPerRequest: null,
    connectionName: 'bench-minimal',
  });
  await redis.connect();
  const counter = new CompletionCounter(options.tasks);
  channel.on('error', (err: Error) => counter.fail(err));
  connection.on('close', () =>
    counter.fail(new Error('the minimal loop lost its AMQP connection')),
  );

  const handle = (msg: ConsumeMessage | null): void => {
    if (msg === null) {
      counter.fail(new Error(`consumer of ${options.queue} cancelled by the broker`));
      return;
    }
    JSON.parse(msg.content.toString('utf8'));
    const id = String(msg.properties.headers?.id);
    const key = `${options.keyPrefix}celery-task-meta-${id}`;
    const json = JSON.stringify({
      status: 'SUCCESS',
      result: null,
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
        () => {
          try {
            channel.ack(msg); // throws once the channel is closed (broker gone)
          } catch (err) {
            counter.fail(err as Error);
            return;
          }
          counter.add();
        },
        (err: Error) => counter.fail(err),
      );
  };

  const stopProgress = startProgress(label, options.tasks, 'drained', () => counter.count);
  try {
    await channel.prefetch(options.prefetch);
    const started = performance.now();
    const cpu = cpuClock();
    const { consumerTag } = await channel.consume(options.queue, handle, { noAck: false });
    const consuming = performance.now();
    const finished = await counter.done;
    const cpuSeconds = cpu();
    stopProgress();
    await channel.cancel(consumerTag);
    return {
      consumer: label,
      tasks: options.tasks,
      seconds: (finished - started) / 1000,
      startSeconds: (consuming - started) / 1000,
      cpuSeconds,
    };
  } finally {
    counter.dispose();
    stopProgress();
    await channel.close().catch(() => undefined);
    connection.removeAllListeners('close');
    await connection.close().catch(() => undefined);
    await redis.quit().catch(() => undefined);
  }
}
