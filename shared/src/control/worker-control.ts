import type { Redis } from 'ioredis';
import { BrokerConnection } from '../broker';
import {
  TaskOverrides,
  type TaskConsumer,
  type TaskConsumerOptions,
  type TaskRegistry,
} from '../engine';
import { EventDispatcher, LamportClock, TaskEvents, WorkerHeartbeat } from '../events';
import type { Logger } from '../logging';
import { controlCommands } from './commands';
import { nodeName } from './node-name';
import { PidboxServer } from './pidbox';
import { Revocations } from './revocations';

export interface WorkerControlOptions {
  readonly connection: BrokerConnection;
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly logger: Logger;
  /** WORKER_NAME; the node name adds the pid to it. */
  readonly workerName: string;
  readonly sendTaskEvents: boolean;
  readonly heartbeatSeconds: number;
  readonly revokeExpiresSeconds: number;
  readonly brokerUrl: string;
  /** Every cluster node (RABBITMQ_URLS), so the event connection fails over as the others do. */
  readonly brokerUrls?: readonly string[];
  readonly brokerHeartbeatSeconds: number;
  readonly conf: () => Record<string, unknown>;
  readonly version: string;
  readonly shutdown: (reason: string) => void;
}

/**
 * Everything that makes a worker visible to Celery's tooling, wired together: its pidbox
 * mailbox (`celery inspect`/`control`), the fleet's revocations, events (heartbeats, task
 * events) and the limits remote control sets. `prepare` before the consumer starts (so
 * revocations are known before the first delivery), `start` once it consumes, `stop` after it
 * has drained (`worker-offline` last).
 */
export class WorkerControl {
  readonly nodeName: string;
  readonly clock = new LamportClock();
  readonly overrides = new TaskOverrides();
  readonly dispatcher: EventDispatcher;
  readonly taskEvents: TaskEvents;
  readonly revocations: Revocations;
  private heartbeat: WorkerHeartbeat | null = null;
  private pidbox: PidboxServer | null = null;
  private eventConnection: BrokerConnection | null = null;
  private readonly startedAt = Date.now();

  constructor(private readonly options: WorkerControlOptions) {
    this.nodeName = nodeName(options.workerName);
    this.dispatcher = new EventDispatcher({
      hostname: this.nodeName,
      logger: options.logger,
      clock: this.clock,
    });
    this.taskEvents = new TaskEvents(this.dispatcher, options.sendTaskEvents);
    this.revocations = new Revocations({
      redis: options.redis,
      keyPrefix: options.keyPrefix,
      expiresSeconds: options.revokeExpiresSeconds,
      logger: options.logger,
    });
  }

  /** What the consumer needs from remote control. */
  get consumerOptions(): Pick<TaskConsumerOptions, 'isRevoked' | 'observer' | 'overrides'> {
    return {
      isRevoked: (id) => this.revocations.has(id),
      observer: this.taskEvents,
      overrides: this.overrides,
    };
  }

  async prepare(): Promise<void> {
    await this.revocations.start();
    const { options } = this;
    // Events get a connection of their own, so their publishing never slows the consumer's acks.
    this.eventConnection = await BrokerConnection.connect({
      url: options.brokerUrl,
      ...(options.brokerUrls ? { urls: options.brokerUrls } : {}),
      logger: options.logger,
      topology: { exchanges: [], queues: [], bindings: [], exchangeBindings: [] },
      heartbeatSeconds: options.brokerHeartbeatSeconds,
      connectionName: `${this.nodeName} events`,
    });
    await this.dispatcher.start(this.eventConnection);
  }

  async start(consumer: TaskConsumer, registry: TaskRegistry): Promise<void> {
    const { options } = this;
    const heartbeat = new WorkerHeartbeat({
      dispatcher: this.dispatcher,
      freqSeconds: options.heartbeatSeconds,
      counts: () => ({ active: consumer.running, processed: consumer.tracker.processed }),
      version: options.version,
    });
    this.heartbeat = heartbeat;
    this.pidbox = new PidboxServer({
      connection: options.connection,
      nodeName: this.nodeName,
      logger: options.logger,
      clock: this.clock,
      commands: controlCommands({
        nodeName: this.nodeName,
        consumer,
        registry,
        revocations: this.revocations,
        overrides: this.overrides,
        taskEvents: this.taskEvents,
        heartbeat,
        clock: this.clock,
        logger: options.logger,
        brokerUrl: options.brokerUrl,
        brokerHeartbeatSeconds: options.brokerHeartbeatSeconds,
        conf: options.conf,
        startedAt: this.startedAt,
        version: options.version,
        shutdown: options.shutdown,
      }),
    });
    await this.pidbox.start();
    heartbeat.start();
    options.logger.info('remote control ready', {
      node: this.nodeName,
      taskEvents: this.taskEvents.enabled,
    });
  }

  /** Stops answering, sends `worker-offline` and closes the event channel. */
  async stop(): Promise<void> {
    await this.pidbox?.close();
    this.dispatcher.flush();
    this.heartbeat?.stop();
    this.revocations.stop();
    await this.dispatcher.close();
    await this.eventConnection?.close().catch(() => undefined);
  }
}
