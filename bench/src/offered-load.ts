import amqplib from 'amqplib';
import { encodeTaskMessage } from '@burrow/contracts';

/**
 * A separate publisher process offering a steady load: BENCH_RATE `bench.stamp` tasks a second
 * for BENCH_SECONDS to BENCH_QUEUE, ids `<BENCH_ID_PREFIX><n>`, each carrying its wall-clock send
 * time. It publishes on a schedule (every 5 ms, what the schedule owes so far) without waiting
 * for confirms in between, as a web backend's many requests would, and prints
 * `{"published": n, "seconds": s}` once every confirm is in.
 */
async function main(): Promise<void> {
  const url = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@localhost:5672';
  const queue = required('BENCH_QUEUE');
  const rate = Number(required('BENCH_RATE'));
  const seconds = Number(required('BENCH_SECONDS'));
  const idPrefix = required('BENCH_ID_PREFIX');
  const connection = await amqplib.connect(url, {
    clientProperties: { connection_name: 'bench offered load' },
  });
  const channel = await connection.createConfirmChannel();
  const total = Math.round(rate * seconds);
  const started = performance.now();
  let published = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const owed = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      for (; published < owed; published++) {
        const sentAt = performance.timeOrigin + performance.now();
        const encoded = encodeTaskMessage({
          id: `${idPrefix}${published}`,
          task: 'bench.stamp',
          args: [sentAt],
          kwargs: {},
        });
        channel.publish(queue, queue, encoded.content, {
          contentType: encoded.contentType,
          contentEncoding: encoded.contentEncoding,
          correlationId: encoded.correlationId,
          headers: encoded.headers,
          persistent: true,
        });
      }
      if (published >= total) resolve();
      else setTimeout(tick, 5);
    };
    tick();
  });
  await channel.waitForConfirms();
  const elapsed = (performance.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ published, seconds: elapsed })}\n`);
  await connection.close();
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

main().catch((err: Error) => {
  process.stderr.write(`offered load failed: ${err.message}\n`);
  process.exit(1);
});
