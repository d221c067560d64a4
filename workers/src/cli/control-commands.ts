import type { ChannelModel } from 'amqplib';
import { type Command, InvalidArgumentError } from 'commander';
import type { Redis } from 'ioredis';
import {
  ControlClient,
  EventTail,
  storeRevocations,
  type BurrowConfig,
  type EventFields,
  type Replies,
} from '@burrow/shared';

/** What a control command needs from the CLI's session. */
export interface ControlSession {
  readonly amqp: ChannelModel;
  readonly redis: Redis;
  readonly config: BurrowConfig;
}

export type WithSession = <T>(use: (session: ControlSession) => Promise<T>) => Promise<T>;

type Print = (text: string) => void;
type Table = (rows: string[][]) => string;

interface InspectOptions {
  json?: boolean;
  timeout: number;
  destination?: string[];
}

const INSPECT = {
  ping: 'ping',
  stats: 'stats',
  active: 'active',
  reserved: 'reserved',
  registered: 'registered',
  queues: 'active_queues',
} as const;
type Inspection = keyof typeof INSPECT;

/** The parts of a `stats` / `ping` reply the tables show. */
interface StatsReply {
  ok?: string;
  pid?: number;
  uptime?: number;
  total?: Record<string, number>;
  prefetch_count?: number;
  pool?: { 'max-concurrency'?: number };
  rusage?: { maxrss?: number };
}

/** The parts of an `active` / `reserved` entry the table shows. */
interface TaskReply {
  id?: string;
  name?: string;
  time_start?: number | null;
  args?: string;
}

/** One table per inspection, a row per node (or per task / queue of a node). */
function render(what: Inspection, replies: Replies, table: Table): string {
  const nodes = Object.keys(replies).sort();
  if (nodes.length === 0) return 'no worker replied';
  const reply = (node: string) => (replies[node] ?? {}) as StatsReply;
  switch (what) {
    case 'ping':
      return table([
        ['node', 'reply'],
        ...nodes.map((n) => [n, String(reply(n)?.ok ?? JSON.stringify(reply(n)))]),
      ]);
    case 'stats':
      return table([
        ['node', 'pid', 'uptime', 'concurrency', 'prefetch', 'processed', 'rss MB'],
        ...nodes.map((n) => {
          const s = reply(n);
          const total = Object.values(s.total ?? {}).reduce((a, b) => a + b, 0);
          return [
            n,
            String(s.pid ?? '?'),
            `${s.uptime ?? '?'}s`,
            String(s.pool?.['max-concurrency'] ?? '?'),
            String(s.prefetch_count ?? '?'),
            String(total),
            String(Math.round(Number(s.rusage?.maxrss ?? 0) / 1024)),
          ];
        }),
      ]);
    case 'active':
    case 'reserved': {
      const rows = nodes.flatMap((n) =>
        ((replies[n] ?? []) as TaskReply[]).map((t) => [
          n,
          String(t.id),
          String(t.name),
          t.time_start ? `${(Date.now() / 1000 - Number(t.time_start)).toFixed(1)}s` : '-',
          String(t.args ?? '').slice(0, 40),
        ]),
      );
      if (rows.length === 0) return `no ${what} tasks on ${nodes.length} node(s)`;
      return table([['node', 'id', 'task', 'running', 'args'], ...rows]);
    }
    case 'registered':
      return table([
        ['node', 'task'],
        ...nodes.flatMap((n) => ((replies[n] ?? []) as string[]).map((t) => [n, t])),
      ]);
    case 'queues':
      return table([
        ['node', 'queue'],
        ...nodes.flatMap((n) => ((replies[n] ?? []) as { name: string }[]).map((q) => [n, q.name])),
      ]);
  }
}

function eventLine(event: EventFields): string {
  const time = new Date(Number(event.timestamp) * 1000).toISOString().slice(11, 23);
  const type = String(event.type);
  const detail =
    type === 'task-received'
      ? `${String(event.name)} ${String(event.args)} ${String(event.kwargs)}`
      : type === 'task-succeeded'
        ? `runtime ${Number(event.runtime).toFixed(3)}s result ${String(event.result).slice(0, 80)}`
        : type === 'task-failed' || type === 'task-retried'
          ? String(event.exception)
          : type === 'task-revoked'
            ? `terminated=${String(event.terminated)} expired=${String(event.expired)}`
            : type.startsWith('worker-')
              ? `active ${String(event.active)} processed ${String(event.processed)}`
              : '';
  return `${time}  ${type.padEnd(15)}  ${String(event.uuid ?? '').padEnd(36)}  ${String(event.hostname)}  ${detail}`.trimEnd();
}

/**
 * `burrow inspect`, `burrow revoke` and `burrow events`: the questions `celery inspect`,
 * `celery control revoke` and `celery events` answer, asked of burrow workers over the same
 * pidbox and event exchanges, without Python.
 */
export function addControlCommands(
  program: Command,
  withSession: WithSession,
  print: Print,
  table: Table,
): void {
  const seconds = (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be seconds > 0');
    return n;
  };
  program
    .command('inspect <what>')
    .description(`ask every worker (or --destination): ${Object.keys(INSPECT).join(' | ')}`)
    .option('--json', 'print the replies as JSON, by node')
    .option('-t, --timeout <seconds>', 'wait this long after the last reply', seconds, 1)
    .option('-d, --destination <node...>', 'only these nodes (name@host)')
    .action((what: string, opts: InspectOptions) => {
      if (!Object.hasOwn(INSPECT, what))
        throw new InvalidArgumentError(
          `unknown inspection ${what}; one of ${Object.keys(INSPECT).join(', ')}`,
        );
      const inspection = what as Inspection;
      return withSession(async ({ amqp }) => {
        const control = await ControlClient.open(amqp);
        try {
          const replies = await control.broadcast(INSPECT[inspection], {
            timeoutSeconds: opts.timeout,
            ...(opts.destination ? { destination: opts.destination } : {}),
          });
          print(opts.json ? JSON.stringify(replies, null, 2) : render(inspection, replies, table));
          if (Object.keys(replies).length === 0) process.exitCode = 1;
        } finally {
          await control.close();
        }
      });
    });

  program
    .command('revoke <taskId...>')
    .description(
      'revoke tasks on every worker, now and for workers started later (WORKER_REVOKE_EXPIRES)',
    )
    .option('--terminate', 'also abort the task if it is running')
    .option('--json', 'print the workers’ replies as JSON')
    .action((ids: string[], opts: { terminate?: boolean; json?: boolean }) =>
      withSession(async ({ amqp, redis, config }) => {
        // In Redis first: it holds even when no worker is up to hear the broadcast.
        await storeRevocations(
          redis,
          config.redis.keyPrefix,
          ids,
          config.worker.revokeExpiresSeconds,
        );
        const control = await ControlClient.open(amqp);
        try {
          const replies = await control.broadcast('revoke', {
            arguments: { task_id: ids, terminate: opts.terminate === true, signal: 'SIGTERM' },
          });
          if (opts.json) print(JSON.stringify({ revoked: ids, replies }, null, 2));
          else {
            print(`revoked ${ids.join(', ')} (stored for ${config.worker.revokeExpiresSeconds}s)`);
            for (const [node, reply] of Object.entries(replies))
              print(`  ${node}: ${String((reply as { ok?: string }).ok ?? JSON.stringify(reply))}`);
          }
        } finally {
          await control.close();
        }
      }),
    );

  program
    .command('events')
    .description('live tail of task and worker events (turns task events on with enable_events)')
    .option('--json', 'one JSON event per line')
    .option('--tasks-only', 'leave worker heartbeats out')
    .option('-n, --count <n>', 'exit after this many events', Number)
    .option('--for <seconds>', 'exit after this long', seconds)
    .option('--no-enable', 'do not broadcast enable_events')
    .action(
      (opts: {
        json?: boolean;
        tasksOnly?: boolean;
        count?: number;
        for?: number;
        enable: boolean;
      }) =>
        withSession(async ({ amqp }) => {
          let seen = 0;
          let finish: () => void = () => undefined;
          const finished = new Promise<void>((resolve) => (finish = resolve));
          const tail = await EventTail.start(amqp, {
            pattern: opts.tasksOnly ? 'task.#' : '#',
            onEvent: (event) => {
              print(opts.json ? JSON.stringify(event) : eventLine(event));
              if (opts.count !== undefined && ++seen >= opts.count) finish();
            },
          });
          const control = opts.enable ? await ControlClient.open(amqp) : null;
          await control?.broadcast('enable_events', { reply: false });
          const timer = opts.for ? setTimeout(finish, opts.for * 1000) : undefined;
          process.once('SIGINT', finish);
          process.once('SIGTERM', finish);
          await finished;
          clearTimeout(timer);
          await control?.close();
          await tail.close();
        }),
    );
}
