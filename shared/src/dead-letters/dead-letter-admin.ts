import type { ChannelModel, ConfirmChannel, GetMessage } from 'amqplib';
import { REPLAYED_AT_HEADER } from '@burrow/contracts';
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

/** What pruning one dead-letter queue did. */
export interface DeadLetterPrune {
  readonly deadQueue: string;
  /** False when the queue does not exist (its workers never ran here): nothing to prune. */
  readonly exists: boolean;
  /** Dead letters older than the cutoff, removed from the head. */
  readonly removed: number;
  /** Messages left in the queue afterwards. */
  readonly remaining: number;
  /**
   * When the first kept message failed (ISO 8601): nothing in the queue is due before that
   * plus the maximum age. Null when the queue was emptied or that message carries no time.
   */
  readonly headFailedAt: string | null;
}

/**
 * When a dead letter failed, in ms: `x-burrow-failed-at` (every burrow dead letter has it),
 * else the broker's `x-death` time or the message's timestamp (seconds); null when none.
 */
export function deadLetterTime(message: Pick<GetMessage, 'properties'>): number | null {
  const headers = message.properties.headers ?? {};
  const stamped = headers['x-burrow-failed-at'] as unknown;
  if (typeof stamped === 'string' && !Number.isNaN(Date.parse(stamped))) return Date.parse(stamped);
  const deaths = headers['x-death'] as unknown;
  const death = Array.isArray(deaths) ? (deaths[0] as { time?: unknown } | undefined) : undefined;
  const seconds = [death?.time, message.properties.timestamp as unknown].find(
    (value) => typeof value === 'number' && value > 0,
  );
  return typeof seconds === 'number' ? seconds * 1000 : null;
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
    options: {
      ids?: readonly string[];
      limit?: number;
      /** Called after each message replayed, with how many of the candidates are done. */
      onProgress?: (done: number, total: number) => void;
    } = {},
  ): Promise<DeadLetter[]> {
    const [queue, deadQueue] = resolveDeadQueue(name);
    const wanted = options.ids && options.ids.length > 0 ? new Set(options.ids) : null;
    return this.withMessages(
      deadQueue,
      options.limit ?? Number.MAX_SAFE_INTEGER,
      async (messages, channel) => {
        const replayed: DeadLetter[] = [];
        let seen = 0;
        for (const message of messages) {
          seen += 1;
          const letter = describe(message, queue);
          if (wanted && (!letter.taskId || !wanted.has(letter.taskId))) continue;
          const headers = Object.fromEntries(
            Object.entries(message.properties.headers ?? {}).filter(
              ([k]) => !k.startsWith('x-burrow-') && k !== 'x-death' && k !== 'x-delivery-count',
            ),
          );
          headers.retries = 0;
          headers[REPLAYED_AT_HEADER] = new Date().toISOString();
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
          options.onProgress?.(seen, messages.length);
        }
        return replayed;
      },
    );
  }

  /**
   * Removes the dead letters that failed before `cutoff`, from the head of the queue, where
   * the oldest are, and stops at the first younger (or undated) one. RabbitMQ cannot delete a
   * message in the middle of a queue: each head message is taken with basic.get, acked when
   * old enough, and the first one to keep is left unacked and returned by closing the
   * channel. Not nack(requeue): measured on RabbitMQ 3.10, a quorum queue (every burrow queue
   * is one) puts a nacked, rejected or recovered message at the tail, while one returned by
   * the channel's close goes back to the head; a classic queue keeps the position either way.
   * Only that one message is ever returned, so its `x-delivery-count` grows by one per prune.
   * A message older than the cutoff behind a younger one (rare: a replayed letter that fails
   * again carries its new time) waits until the younger one's turn.
   */
  async pruneOlderThan(
    name: string,
    cutoff: Date,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<DeadLetterPrune> {
    const [, deadQueue] = resolveDeadQueue(name);
    const channel = await this.connection.createChannel();
    let closed = false;
    channel.on('error', () => undefined); // a 404 below closes the channel; it is handled there
    channel.on('close', () => {
      closed = true;
    });
    try {
      try {
        await channel.checkQueue(deadQueue);
      } catch (err) {
        // The broker answers 404 NOT_FOUND and closes the channel.
        if (/\b404\b|NOT_FOUND/.test(String((err as Error).message)))
          return { deadQueue, exists: false, removed: 0, remaining: 0, headFailedAt: null };
        throw err;
      }
      let removed = 0;
      let kept = 0;
      let headFailedAt: string | null = null;
      for (;;) {
        options.signal?.throwIfAborted();
        const message = await channel.get(deadQueue, { noAck: false });
        if (message === false) break;
        const failedAt = deadLetterTime(message);
        if (failedAt !== null && failedAt < cutoff.getTime()) {
          channel.ack(message);
          removed += 1;
          continue;
        }
        // Left unacked: the close below returns it to the head (see above).
        kept = 1;
        headFailedAt = failedAt === null ? null : new Date(failedAt).toISOString();
        break;
      }
      // Ready messages, after the acks above (a channel's frames are handled in order), and
      // the one held unacked.
      const remaining = (await channel.checkQueue(deadQueue)).messageCount + kept;
      return { deadQueue, exists: true, removed, remaining, headFailedAt };
    } finally {
      if (!closed) await channel.close().catch(() => undefined);
    }
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
