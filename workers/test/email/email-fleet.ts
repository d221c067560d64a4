import type { Redis } from 'ioredis';
import { connectRedis, createLogger, type ResultMeta } from '@burrow/shared';
import { REDIS_URL } from '../../../testing/stack';
import type { TestSmtpServer } from '../../../testing/smtp-server';
import { spawnBurrow, type WorkerProcess } from '../../../testing/worker-process';

/** A real burrow-worker on the catalogue `email` queue, sending through the test SMTP server. */
export function spawnEmailWorker(
  smtp: TestSmtpServer,
  env: Record<string, string> = {},
  args: string[] = [],
): WorkerProcess {
  return spawnBurrow(
    {
      SMTP_HOST: smtp.host,
      SMTP_PORT: String(smtp.port),
      SMTP_TIMEOUT: '5',
      EMAIL_MESSAGE_ID_DOMAIN: 'mail.burrow.test',
      SMTP_FROM: 'Burrow <noreply@burrow.test>',
      ...env,
    },
    ['--queues', 'email', ...args],
  );
}

/** Every state a task's result goes through, as published on its key's channel. */
export async function watchStates(taskIdPrefix = ''): Promise<{
  states(taskId: string): ResultMeta[];
  close(): void;
}> {
  const subscriber: Redis = await connectRedis(
    REDIS_URL,
    'subscriber',
    createLogger({ service: 'test', silent: true }),
  );
  const seen = new Map<string, ResultMeta[]>();
  await subscriber.psubscribe(`celery-task-meta-${taskIdPrefix}*`);
  subscriber.on('pmessage', (_pattern: string, _channel: string, message: string) => {
    const meta = JSON.parse(message) as ResultMeta;
    seen.set(meta.task_id, [...(seen.get(meta.task_id) ?? []), meta]);
  });
  return {
    states: (taskId) => seen.get(taskId) ?? [],
    close: () => subscriber.disconnect(),
  };
}
