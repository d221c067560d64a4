import type { ChannelModel, ConfirmChannel, GetMessage } from 'amqplib';
import { deadQueueName } from '../broker';
import type { RedisResultStore } from '../results';

/** What the dead-letter headers say about one message (see Settler.deadLetter). */
export interface DeadLetter {
  readonly taskId: string | null;
  readonly task: string | null;
  readonly queue: string;
  readonly reason: string;
  readonly code: string;
  readonly error: string;
  readonly worker: string | null;
  readonly failedAt: string | null;
  readonly attempts: number | null;
  readonly body: string;
  readonly bytes: number;
}

export interface DeadLetterSummary {
  readonly deadQueue: string;
  readonly count: number;
  /** Tally of the first `inspected` messages by code. */
  readonly byCode: Readonly<Record<string, { count: number; example: string }>>;
  readonly inspected: number;
}

/** Accepts "email" or "email.dead"; returns [task queue, dead queue]. */
export function resolveDeadQueue(name: string): [string, string] {
  const queue = name.endsWith('.dead') ? name.slice(0, -'.dead'.length) : name;
  return [queue, deadQueueName(queue)];
}

function describe(message: GetMessage, queue: string): DeadLetter {
  const headers = message.properties.headers ?? {};
  const str = (v: unknown) => (v === undefined || v === null ? null : String(v));
  return {
    taskId: str(headers.id) ?? str(message.properties.correlationId),
    task: str(headers.task),
    queue: str(headers['x-burrow-queue']) ?? queue,
    reason: str(headers['x-burrow-reason']) ?? '(no reason recorded)',
    code: str(headers['x-burrow-code']) ?? 'unknown',
    error: str(headers['x-burrow-error']) ?? '',
    worker: str(headers['x-burrow-worker']),
    failedAt: str(headers['x-burrow-failed-at']),
    attempts:
      typeof headers['x-burrow-attempts'] === 'number' ? headers['x-burrow-attempts'] : null,
    body: message.content.toString('utf8', 0, Math.min(message.content.length, 2_000)),
    bytes: message.content.length,
  };
}

/**
 * Inspects, replays and purges `<queue>.dead`. Reading uses basic.get without acking and then
 * closes the channel, so every message not replayed goes back to the dead-letter queue intact.
 */
export class DeadLetterAdmin {
  constructor(
    private readonly connection: ChannelModel,
    private readonly results: RedisResultStore | null,
  ) {}

  async summary(name: string, inspectLimit = 1_000): Promise<DeadLetterSummary> {
    const [queue, deadQueue] = resolveDeadQueue(name);
    const byCode: Record<string, { count: number; example: string }> = {};
    let count = 0;
    const inspected = await this.withMessages(
      deadQueue,
      inspectLimit,
      async (messages, channel) => {
        count = (await channel.checkQueue(deadQueue)).messageCount + messages.length;
        for (const message of messages) {
          const letter = describe(message, queue);
          const entry = (byCode[letter.code] ??= { count: 0, example: letter.reason });
          entry.count++;
        }
        return messages.length;
      },
    );
    return { deadQueue, count, byCode, inspected };
  }

  async show(name: string, limit = 10): Promise<DeadLetter[]> {
    const [queue, deadQueue] = resolveDeadQueue(name);
    return this.withMessages(deadQueue, limit, (messages) =>
      Promise.resolve(messages.map((m) => describe(m, queue))),
    );
  }

  /**
   * Sends dead letters back to their task queue with retries reset, and forgets their
   * completion so they run again. `ids` limits the replay to those task ids.
   */
  async replay(
    name: string,
    options: { ids?: readonly string[]; limit?: number } = {},
  ): Promise<DeadLetter[]> {
    const [queue, deadQueue] = resolveDeadQueue(name);
    const wanted = options.ids && options.ids.length > 0 ? new Set(options.ids) : null;
    return this.withMessages(
      deadQueue,
      options.limit ?? Number.MAX_SAFE_INTEGER,
      async (messages, channel) => {
        const replayed: DeadLetter[] = [];
        for (const message of messages) {
          const letter = describe(message, queue);
          if (wanted && (!letter.taskId || !wanted.has(letter.taskId))) continue;
          const headers = Object.fromEntries(
            Object.entries(message.properties.headers ?? {}).filter(
              ([k]) => !k.startsWith('x-burrow-') && k !== 'x-death' && k !== 'x-delivery-count',
            ),
          );
          headers.retries = 0;
          headers['x-burrow-replayed-at'] = new Date().toISOString();
          if (letter.taskId && this.results) await this.results.forgetDone(letter.taskId);
          const contentType = message.properties.contentType as string | undefined;
          const contentEncoding = message.properties.contentEncoding as string | undefined;
          const correlationId = message.properties.correlationId as string | undefined;
          channel.publish(letter.queue, letter.queue, message.content, {
            persistent: true,
            headers,
            ...(contentType ? { contentType } : {}),
            ...(contentEncoding ? { contentEncoding } : {}),
            ...(correlationId ? { correlationId } : {}),
          });
          await channel.waitForConfirms();
          channel.ack(message);
          replayed.push(letter);
        }
        return replayed;
      },
    );
  }

  /** Deletes every message in the dead-letter queue; returns how many. */
  async purge(name: string): Promise<number> {
    const [, deadQueue] = resolveDeadQueue(name);
    const channel = await this.connection.createChannel();
    try {
      return (await channel.purgeQueue(deadQueue)).messageCount;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  private async withMessages<T>(
    deadQueue: string,
    limit: number,
    use: (messages: GetMessage[], channel: ConfirmChannel) => Promise<T>,
  ): Promise<T> {
    const channel = await this.connection.createConfirmChannel();
    try {
      await channel.checkQueue(deadQueue);
      const messages: GetMessage[] = [];
      while (messages.length < limit) {
        const message = await channel.get(deadQueue, { noAck: false });
        if (message === false) break;
        messages.push(message);
      }
      return await use(messages, channel);
    } finally {
      // Unacked messages return to the dead-letter queue.
      await channel.close().catch(() => undefined);
    }
  }
}
