import { setMaxListeners } from 'node:events';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { Redis } from 'ioredis';
import { applyTopology, type BrokerConnection, type Publisher } from '../broker';
import { Canvas, CanvasStore, queueOfTasks } from '../canvas';
import type { Logger } from '../logging';
import { progressMeta, type RedisResultStore } from '../results';
import { Decider } from './decide';
import type { Attempt, Outcome } from './outcome';
import { DEFAULT_REDIS_BUDGET_SECONDS } from './redis-budget';
import { AckBatcher } from './ack-batcher';
import { Semaphore } from './semaphore';
import { Settler, type SettleDecision } from './settle';
import type { TaskRegistry } from './task-registry';
import type { TaskObserver } from './task-observer';
import type { TaskOverrides } from './task-overrides';
import { TaskTracker } from './task-tracker';

export interface TaskConsumerOptions {
  readonly connection: BrokerConnection;
  readonly publisher: Publisher;
  readonly results: RedisResultStore;
  /** Checked for readiness only; the result store owns the commands. */
  readonly redis: Redis;
  readonly registry: TaskRegistry;
  readonly logger: Logger;
  readonly queues: readonly string[];
  /** Tasks run at once. */
  readonly concurrency: number;
  /** Unacked deliveries per queue. @default concurrency × 2 */
  readonly prefetch?: number;
  readonly workerName: string;
  /**
   * Executions begun without reaching an outcome (the worker died) after which a task is
   * dead-lettered as crash_loop. @default 5
   */
  readonly maxDeliveries?: number;
  /**
   * Returns of one message to its queue (the quorum queue's x-delivery-count: requeues and
   * channel losses) after which it is dead-lettered unrun, as redelivery_loop: a backstop
   * against a requeue loop. Keep it below the queue's delivery-limit (RabbitMQ 4 defaults
   * quorum queues to 20 and then drops the message, since task queues have no DLX). @default 10
   */
  readonly maxRedeliveries?: number;
  /** Times a task may continue later; once more is dead-lettered. @default 20 */
  readonly maxContinuations?: number;
  /**
   * How long one delivery may wait for Redis to take its outcome (an outage, repeated errors)
   * before it is requeued. @default 60
   */
  readonly redisBudgetSeconds?: number;
  /** @default 30 */
  readonly shutdownGraceSeconds?: number;
  /** Store STARTED when a task begins. @default false */
  readonly trackStarted?: boolean;
  readonly onSettled?: (outcome: Outcome, attempt: Attempt) => void;
  /** Ids revoked by remote control; checked before a task runs. */
  readonly isRevoked?: (taskId: string) => boolean;
  /** Hears each delivery's life (task events). */
  readonly observer?: TaskObserver;
  /** Rate and time limits set by remote control. */
  readonly overrides?: TaskOverrides;
}

/**
 * Consumes task queues with manual acks and bounded prefetch, runs each delivery through the
 * decider and the settler, and survives broker restarts by reopening its own channel (and
 * consumers) whenever the connection comes back or the channel is closed under it.
 */
export class TaskConsumer {
  private channel: ConfirmChannel | null = null;
  /** Consumer tag of each consumed queue on the current channel. */
  private consumerTags = new Map<string, string>();
  private readonly queues: string[];
  private concurrency: number;
  /** What this worker holds and has done, for remote control. */
  readonly tracker = new TaskTracker();
  private opening = false;
  private reopenTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly semaphore: Semaphore;
  /** Per channel: acks settled in the same turn go out as one `multiple` ack where they can. */
  private readonly acks = new WeakMap<ConfirmChannel, AckBatcher>();
  private readonly tracked = new Set<Promise<void>>();
  private readonly shutdown = new AbortController();
  private readonly decider: Decider;
  private readonly settler: Settler;
  private readonly onConnect = () => void this.ensureChannel();

  constructor(private readonly options: TaskConsumerOptions) {
    this.semaphore = new Semaphore(options.concurrency);
    this.queues = [...options.queues];
    this.concurrency = options.concurrency;
    const { observer, overrides } = options;
    // Every running task listens on the shutdown signal; more than 10 is the normal case.
    setMaxListeners(0, this.shutdown.signal);
    const { results, logger, workerName } = options;
    const redisBudgetSeconds = options.redisBudgetSeconds ?? DEFAULT_REDIS_BUDGET_SECONDS;
    this.decider = new Decider({
      registry: options.registry,
      results,
      logger,
      workerName,
      maxDeliveries: options.maxDeliveries ?? 5,
      maxRedeliveries: options.maxRedeliveries ?? 10,
      maxContinuations: options.maxContinuations ?? 20,
      redisBudgetMs: redisBudgetSeconds * 1000,
      shutdownSignal: this.shutdown.signal,
      trackStarted: options.trackStarted ?? false,
      ...(options.isRevoked ? { isRevoked: options.isRevoked } : {}),
      ...(overrides ? { overrides } : {}),
      started: (delivery, abort) => {
        this.tracker.started(delivery, abort);
        const tracked = observer && this.tracker.get(delivery);
        if (tracked) observer.started(tracked);
      },
      isolate: async (run) => {
        this.semaphore.release();
        await this.semaphore.acquireAll();
        try {
          return await run();
        } finally {
          this.semaphore.releaseAll();
          await this.semaphore.acquire();
        }
      },
      storeProgress: (ctx, progress) =>
        results.store(progressMeta({ ...ctx, taskId: ctx.taskId, worker: workerName }, progress)),
    });
    this.settler = new Settler({
      canvas: canvasOf(options),
      publisher: options.publisher,
      results,
      logger,
      workerName,
      redisBudgetSeconds,
      isStopping: () => this.shutdown.signal.aborted,
      onSettled: (outcome, attempt, delivery) => {
        options.onSettled?.(outcome, attempt);
        observer?.settled(this.tracker.get(delivery.message), outcome, attempt);
      },
    });
  }

  /** Starts consuming; resolves once consumers are set up on the first channel. */
  async start(): Promise<void> {
    this.options.connection.on('connect', this.onConnect);
    await this.ensureChannel();
    if (!this.channel) throw new Error('could not open the consumer channel; see the log');
    this.options.logger.info('consuming', {
      queues: this.queues.join(','),
      concurrency: this.options.concurrency,
      prefetch: this.prefetch,
    });
  }

  /** Connected to both brokers and consuming. */
  get ready(): boolean {
    return !this.stopping && this.channel !== null && this.options.redis.status === 'ready';
  }

  get running(): number {
    return this.semaphore.running;
  }

  private get prefetch(): number {
    return this.options.prefetch ?? this.concurrency * 2;
  }

  /** Tasks run at once now (pool_grow / pool_shrink change it). */
  get maxConcurrency(): number {
    return this.concurrency;
  }

  get prefetchCount(): number {
    return this.prefetch;
  }

  /** The queues consumed now (add_consumer / cancel_consumer change them). */
  get consumedQueues(): readonly string[] {
    return this.queues;
  }

  /** Changes how many tasks run at once; prefetch follows unless it was set explicitly. */
  async setConcurrency(n: number): Promise<void> {
    if (!Number.isInteger(n) || n < 1) throw new RangeError('concurrency must be at least 1');
    this.concurrency = n;
    this.semaphore.resize(n);
    const channel = this.channel;
    if (!channel || this.options.prefetch) return;
    // Per-consumer QoS (quorum queues have no global QoS) binds consumers made after it: the
    // queues are consumed afresh. Deliveries already held stay valid on the same channel.
    await channel.prefetch(this.prefetch, false);
    for (const [queue, tag] of [...this.consumerTags]) {
      await channel.cancel(tag);
      await this.consumeQueue(channel, queue);
    }
  }

  /** Starts consuming `queue` (now and after every reconnect). */
  async addQueue(queue: string): Promise<boolean> {
    if (this.queues.includes(queue)) return false;
    this.queues.push(queue);
    const channel = this.channel;
    if (channel) await this.consumeQueue(channel, queue);
    return true;
  }

  /** Stops consuming `queue`; deliveries already held finish. */
  async cancelQueue(queue: string): Promise<boolean> {
    const at = this.queues.indexOf(queue);
    if (at < 0) return false;
    this.queues.splice(at, 1);
    const tag = this.consumerTags.get(queue);
    this.consumerTags.delete(queue);
    if (tag && this.channel) await this.channel.cancel(tag);
    return true;
  }

  private async consumeQueue(channel: ConfirmChannel, queue: string): Promise<void> {
    const { consumerTag } = await channel.consume(
      queue,
      (msg) => this.onMessage(queue, channel, msg),
      { noAck: false },
    );
    this.consumerTags.set(queue, consumerTag);
  }

  private async ensureChannel(): Promise<void> {
    if (this.channel || this.opening || this.stopping) return;
    const connection = this.options.connection.current;
    if (!connection) return; // the 'connect' event brings us back
    this.opening = true;
    let channel: ConfirmChannel | undefined;
    try {
      channel = await connection.createConfirmChannel();
      const opened = channel;
      opened.on('error', (err: Error) =>
        this.options.logger.warn('consumer channel error', { error: err.message }),
      );
      opened.on('close', () => this.onChannelClosed(opened));
      await applyTopology(opened, this.options.connection.topology);
      await opened.prefetch(this.prefetch, false);
      this.consumerTags = new Map();
      for (const queue of this.queues) await this.consumeQueue(opened, queue);
      this.channel = opened;
    } catch (err) {
      this.options.logger.warn('cannot open consumer channel; retrying', {
        error: (err as Error).message,
      });
      channel?.close().catch(() => undefined);
      this.scheduleReopen();
    } finally {
      this.opening = false;
    }
  }

  private onChannelClosed(channel: ConfirmChannel): void {
    if (this.channel !== channel) return;
    this.channel = null;
    this.consumerTags = new Map();
    if (!this.stopping) {
      this.options.logger.warn('consumer channel closed; reopening');
      this.scheduleReopen();
    }
  }

  private scheduleReopen(): void {
    if (this.stopping || this.reopenTimer) return;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      void this.ensureChannel();
    }, 1_000);
  }

  private onMessage(queue: string, channel: ConfirmChannel, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled our consumer (queue deleted or failed over): start over.
      this.options.logger.warn('consumer cancelled by the broker; reopening', { queue });
      channel.close().catch(() => undefined);
      return;
    }
    this.acksOf(channel).delivered(message);
    const tracked = this.tracker.received(queue, message);
    this.options.observer?.received(tracked);
    const work = this.process(queue, channel, message).finally(() => this.tracked.delete(work));
    this.tracked.add(work);
  }

  private async process(
    queue: string,
    channel: ConfirmChannel,
    message: ConsumeMessage,
  ): Promise<void> {
    // A rate limit (remote `rate_limit`) holds the delivery here, unacked, not in a task slot.
    const { overrides } = this.options;
    const wait = overrides ? overrides.reserve(this.tracker.get(message)?.name ?? '') : 0;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await this.semaphore.acquire();
    try {
      this.carryOut(channel, message, await this.handle(queue, message));
    } finally {
      this.semaphore.release();
    }
  }

  /** Decides and settles one delivery. Never throws: what goes wrong becomes a requeue. */
  private async handle(queue: string, message: ConsumeMessage): Promise<SettleDecision> {
    // Not started before shutdown: back to the queue now, for a worker that is staying.
    if (this.stopping) return { kind: 'requeue', reason: 'worker stopping' };
    try {
      const decided = await this.decider.decide(queue, message);
      return await this.settler.settle({ queue, message }, decided);
    } catch (err) {
      this.options.logger.error('unexpected error handling a delivery; requeueing it', {
        error: (err as Error).message,
        stack: (err as Error).stack,
      });
      return { kind: 'requeue', reason: `unexpected error: ${(err as Error).message}` };
    }
  }

  /** The one place a delivery is acked or handed back to the broker. */
  private carryOut(channel: ConfirmChannel, message: ConsumeMessage, decision: SettleDecision) {
    const { observer } = this.options;
    if (decision.kind === 'requeue' && observer)
      observer.requeued(this.tracker.get(message), decision.reason);
    this.tracker.finished(message, decision.kind === 'ack');
    try {
      if (decision.kind === 'ack') this.acksOf(channel).ack(message);
      else this.acksOf(channel).nack(message);
    } catch (err) {
      // The channel closed under us: the broker redelivers the message anyway, and one whose
      // outcome was stored is then recognised as a duplicate.
      this.options.logger.warn(`${decision.kind} failed; the delivery will come back`, {
        error: (err as Error).message,
      });
    }
  }

  private acksOf(channel: ConfirmChannel): AckBatcher {
    let batcher = this.acks.get(channel);
    if (!batcher) {
      batcher = new AckBatcher(channel, (err) =>
        // The channel closed under us: the broker redelivers the messages anyway, and those
        // whose outcome was stored are then recognised as duplicates.
        this.options.logger.warn('ack failed; the deliveries will come back', {
          error: err.message,
        }),
      );
      this.acks.set(channel, batcher);
    }
    return batcher;
  }

  /**
   * Graceful stop: no new deliveries, running tasks get the grace period to finish, then their
   * signal aborts; whatever is still unacked returns to the queue when the channel closes.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.reopenTimer);
    this.options.connection.off('connect', this.onConnect);
    const channel = this.channel;
    const { logger } = this.options;
    logger.info('stopping: no new tasks; waiting for running ones', { running: this.running });
    if (channel) {
      await Promise.all(
        [...this.consumerTags.values()].map((tag) => channel.cancel(tag).catch(() => undefined)),
      );
    }
    const graceMs = (this.options.shutdownGraceSeconds ?? 30) * 1000;
    const drained = await waitFor(Promise.all(this.tracked), graceMs);
    if (!drained) {
      logger.warn('grace period over; aborting running tasks, they will be redelivered', {
        running: this.running,
      });
      this.shutdown.abort(new Error('worker shutting down'));
      await waitFor(Promise.all(this.tracked), 5_000);
    }
    this.channel = null;
    if (channel) {
      try {
        this.acksOf(channel).flush();
      } catch {
        // closed already: what was not acked comes back
      }
    }
    await channel?.close().catch(() => undefined);
    logger.info('stopped consuming');
  }
}

/** Links, chains and chords on the result store's Redis, with its key prefix and expiry. */
function canvasOf(options: TaskConsumerOptions): Canvas {
  const { results, registry } = options;
  return new Canvas({
    publisher: options.publisher,
    results,
    store: new CanvasStore(options.redis, {
      keyPrefix: results.keyPrefix,
      expiresSeconds: results.expiresSeconds,
    }),
    queueOf: queueOfTasks((task) => registry.get(task)?.contract.queue),
    workerName: options.workerName,
  });
}

async function waitFor(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
