import os from 'node:os';
import {
  parseRate,
  type TaskConsumer,
  type TaskOverrides,
  type TaskRegistry,
  type TrackedTask,
} from '../engine';
import type { LamportClock, TaskEvents, WorkerHeartbeat } from '../events';
import type { Logger } from '../logging';
import type { ControlCommand } from './pidbox';
import type { Revocations } from './revocations';

/** The parts of a running worker remote control reads and changes. */
export interface ControlTarget {
  readonly nodeName: string;
  readonly consumer: TaskConsumer;
  readonly registry: TaskRegistry;
  readonly revocations: Revocations;
  readonly overrides: TaskOverrides;
  readonly taskEvents: TaskEvents;
  readonly heartbeat: WorkerHeartbeat;
  readonly clock: LamportClock;
  readonly logger: Logger;
  /** The broker URL (its password is never shown). */
  readonly brokerUrl: string;
  readonly brokerHeartbeatSeconds: number;
  /** Settings shown by `conf`, already free of secrets. */
  readonly conf: () => Record<string, unknown>;
  readonly startedAt: number;
  readonly version: string;
  /** Starts the worker's graceful stop (`shutdown`). */
  readonly shutdown: (reason: string) => void;
}

/** kombu's `Queue.as_dict(recurse=True)` for a burrow task queue (`active_queues`). */
export function queueInfo(name: string): Record<string, unknown> {
  return {
    name,
    exchange: {
      name,
      type: 'direct',
      arguments: null,
      durable: true,
      passive: false,
      auto_delete: false,
      delivery_mode: null,
      no_declare: false,
    },
    routing_key: name,
    queue_arguments: { 'x-queue-type': 'quorum' },
    binding_arguments: null,
    consumer_arguments: null,
    durable: true,
    exclusive: false,
    auto_delete: false,
    no_ack: false,
    alias: null,
    bindings: [],
    no_declare: null,
    expires: null,
    message_ttl: null,
    max_length: null,
    max_length_bytes: null,
    max_priority: null,
  };
}

/** Celery's `Request.info()` of a held delivery (`active`, `reserved`). */
export function requestInfo(task: TrackedTask, hostname: string): Record<string, unknown> {
  const { headers = {} } = task.message.properties;
  const { fields, properties } = task.message;
  return {
    id: task.id,
    name: task.name,
    args: headers.argsrepr ?? '',
    kwargs: headers.kwargsrepr ?? '',
    type: task.name,
    hostname,
    time_start: task.startedAt === null ? null : task.startedAt / 1000,
    acknowledged: false,
    delivery_info: {
      exchange: fields.exchange,
      routing_key: fields.routingKey,
      priority: (properties.priority as number | undefined) ?? 0,
      redelivered: fields.redelivered,
    },
    worker_pid: task.startedAt === null ? null : process.pid,
  };
}

function brokerInfo(url: string, heartbeat: number): Record<string, unknown> {
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    // shown as unknown below
  }
  const ssl = parsed?.protocol === 'amqps:';
  return {
    hostname: parsed?.hostname ?? 'unknown',
    userid: decodeURIComponent(parsed?.username ?? '') || 'guest',
    virtual_host: decodeURIComponent(parsed?.pathname.slice(1) ?? '') || '/',
    port: Number(parsed?.port || (ssl ? 5671 : 5672)),
    insist: false,
    ssl,
    transport: 'amqp',
    connect_timeout: 30,
    transport_options: {},
    login_method: 'PLAIN',
    uri_prefix: null,
    heartbeat,
    failover_strategy: 'round-robin',
    alternates: [],
  };
}

function rusage(): Record<string, number> {
  const r = process.resourceUsage();
  return {
    utime: r.userCPUTime / 1e6,
    stime: r.systemCPUTime / 1e6,
    maxrss: r.maxRSS,
    ixrss: r.sharedMemorySize,
    idrss: r.unsharedDataSize,
    isrss: r.unsharedStackSize,
    minflt: r.minorPageFault,
    majflt: r.majorPageFault,
    nswap: r.swappedOut,
    inblock: r.fsRead,
    oublock: r.fsWrite,
    msgsnd: r.ipcSent,
    msgrcv: r.ipcReceived,
    nsignals: r.signalsCount,
    nvcsw: r.voluntaryContextSwitches,
    nivcsw: r.involuntaryContextSwitches,
  };
}

function ids(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

function count(value: unknown, fallback = 1): number {
  const n = Number(value ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new RangeError('n must be a whole number ≥ 1');
  return n;
}

function seconds(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError('time limits are seconds > 0');
  return n;
}

/**
 * The remote-control commands a burrow worker answers, by Celery's names and reply shapes
 * (celery/worker/control.py): inspection, event toggles, revoke, limits, pool size, consumers,
 * shutdown. Aliases Celery still accepts (`dump_*`) answer the same.
 */
export function controlCommands(target: ControlTarget): Record<string, ControlCommand> {
  const { consumer, registry, nodeName, logger } = target;
  const tracker = consumer.tracker;
  const stats = () => ({
    total: Object.fromEntries(tracker.totals),
    pid: process.pid,
    clock: String(target.clock.value),
    uptime: Math.round((Date.now() - target.startedAt) / 1000),
    pool: {
      implementation: 'burrow:async',
      'max-concurrency': consumer.maxConcurrency,
      processes: [process.pid],
      'max-tasks-per-child': 'N/A',
      'put-guarded-by-semaphore': false,
      timeouts: [0, 0],
      writes: {
        total: tracker.processed,
        avg: '0%',
        all: '',
        raw: '',
        strategy: 'fair',
        inqueues: { total: 0, active: 0 },
      },
    },
    broker: brokerInfo(target.brokerUrl, target.brokerHeartbeatSeconds),
    prefetch_count: consumer.prefetchCount,
    rusage: rusage(),
    sw_ident: 'burrow',
    sw_ver: target.version,
    sw_sys: os.type(),
  });
  const active = () => tracker.active().map((t) => requestInfo(t, nodeName));
  const reserved = () => tracker.reserved().map((t) => requestInfo(t, nodeName));
  const registered = () =>
    registry
      .names()
      .filter((n) => registry.get(n)?.bound)
      .sort();
  const revoked = () => target.revocations.list();
  const conf = () => target.conf();
  const revoke: ControlCommand = async (args) => {
    const list = ids(args.task_id);
    await target.revocations.revoke(list);
    const terminated = args.terminate ? list.filter((id) => tracker.terminate(id, 'revoked')) : [];
    logger.info('tasks revoked', { ids: list.join(','), terminated: terminated.join(',') });
    return {
      ok: `tasks ${list.join(', ')} flagged as revoked${terminated.length ? `; terminated ${terminated.join(', ')}` : ''}`,
    };
  };
  const known = (name: unknown): string => {
    if (typeof name !== 'string' || !registry.get(name))
      throw new Error(`unknown task ${String(name)}`);
    return name;
  };
  return {
    ping: () => ({ ok: 'pong' }),
    hello: () => ({ revoked: {}, clock: target.clock.value }),
    stats,
    active_queues: () => consumer.consumedQueues.map(queueInfo),
    active,
    dump_active: active,
    reserved,
    dump_reserved: reserved,
    // ETA tasks wait in the broker's delay levels, never in a worker.
    scheduled: () => [],
    dump_schedule: () => [],
    registered,
    dump_tasks: registered,
    revoked,
    dump_revoked: revoked,
    conf,
    dump_conf: conf,
    clock: () => ({ clock: target.clock.value }),
    report: () => ({
      ok: [
        `software -> burrow:${target.version} node:${process.version} (${os.type()} ${os.release()})`,
        `node -> ${nodeName} pid ${process.pid}`,
        `queues -> ${consumer.consumedQueues.join(', ')}`,
        `concurrency -> ${consumer.maxConcurrency}`,
        `task events -> ${target.taskEvents.enabled ? 'on' : 'off'}`,
      ].join('\n'),
    }),
    query_task: (args) => {
      const wanted = new Set(ids(args.ids ?? args.task_id));
      const held = [...tracker.active(), ...tracker.reserved()].filter((t) => wanted.has(t.id));
      return Object.fromEntries(
        held.map((t) => [
          t.id,
          [t.startedAt === null ? 'reserved' : 'active', requestInfo(t, nodeName)],
        ]),
      );
    },
    enable_events: () => {
      const was = target.taskEvents.enabled;
      target.taskEvents.enabled = true;
      return { ok: was ? 'task events already enabled' : 'task events enabled' };
    },
    disable_events: () => {
      const was = target.taskEvents.enabled;
      target.taskEvents.enabled = false;
      return { ok: was ? 'task events disabled' : 'task events already disabled' };
    },
    heartbeat: () => {
      target.heartbeat.beat();
      return undefined;
    },
    revoke,
    rate_limit: (args) => {
      const name = known(args.task_name);
      const rate = parseRate(args.rate_limit);
      target.overrides.setRateLimit(name, rate);
      return {
        ok: rate === null ? 'rate limit disabled successfully' : 'new rate limit set successfully',
      };
    },
    time_limit: (args) => {
      const name = known(args.task_name);
      target.overrides.setTimeLimit(name, seconds(args.soft), seconds(args.hard));
      return { ok: 'time limits set successfully' };
    },
    pool_grow: async (args) => {
      await consumer.setConcurrency(consumer.maxConcurrency + count(args.n));
      return { ok: `pool will grow to ${consumer.maxConcurrency}` };
    },
    pool_shrink: async (args) => {
      await consumer.setConcurrency(Math.max(1, consumer.maxConcurrency - count(args.n)));
      return { ok: `pool will shrink to ${consumer.maxConcurrency}` };
    },
    add_consumer: async (args) => {
      const queue = String(args.queue ?? '');
      if (!registry.queues().includes(queue))
        throw new Error(
          `no task of this worker runs on queue ${queue}; known: ${registry.queues().join(', ')}`,
        );
      const added = await consumer.addQueue(queue);
      return { ok: added ? `add consumer ${queue}` : `already consuming from ${queue}` };
    },
    cancel_consumer: async (args) => {
      const queue = String(args.queue ?? '');
      const cancelled = await consumer.cancelQueue(queue);
      return {
        ok: cancelled ? `no longer consuming from ${queue}` : `not consuming from ${queue}`,
      };
    },
    shutdown: () => {
      logger.warn('shutdown requested by remote control');
      setImmediate(() => target.shutdown('remote control'));
      return undefined;
    },
  };
}
