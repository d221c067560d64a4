#!/usr/bin/env node
import type { ChannelModel } from 'amqplib';
import { Command, InvalidArgumentError } from 'commander';
import type { Redis } from 'ioredis';
import { QUEUES } from '@burrow/contracts';
import { HealthSnapshots } from '../cleanup/health-snapshot';
import { addControlCommands } from './control-commands';
import { ProgressReporter, followProgress } from './progress';
import {
  ConfigError,
  TaskClient,
  EMPTY_TOPOLOGY,
  DeadLetterAdmin,
  connectFleet,
  createLogger,
  deadQueueName,
  loadConfig,
  withDotEnv,
  type BurrowConfig,
  type FleetConnection,
  type RedisResultStore,
} from '@burrow/shared';

// `burrow dead list email | head -1`: the reader leaving early is not an error of ours. Without
// a listener the EPIPE would surface as an unhandled 'error' event and a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return n;
};

interface Session {
  readonly amqp: ChannelModel;
  readonly redis: Redis;
  readonly results: RedisResultStore;
  readonly fleet: FleetConnection;
  readonly config: BurrowConfig;
}

/**
 * Opens the fleet connection for one command (one broker connection, declaring nothing) and
 * always closes it, so the CLI exits promptly.
 */
async function withSession<T>(use: (session: Session) => Promise<T>): Promise<T> {
  const config = loadConfig(withDotEnv(process.env));
  const logger = createLogger({ service: 'burrow-cli', level: 'error' });
  const fleet = await connectFleet(config, logger, {
    topology: EMPTY_TOPOLOGY,
    connectionName: 'burrow-cli',
    connectTimeoutMs: 10_000,
  });
  try {
    const amqp = fleet.connection.current;
    if (!amqp) throw new Error('the broker connection closed while starting');
    const { redis, results } = fleet;
    return await use({ amqp, redis, results, fleet, config });
  } finally {
    await fleet.close();
  }
}

const print = (text: string) => process.stdout.write(`${text}\n`);
const table = (rows: string[][]) => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};

const program = new Command()
  .name('burrow')
  .description(
    'Operate a burrow fleet: workers, revocations, events, dead letters, queues, task status.',
  )
  .showHelpAfterError();

const dead = program.command('dead').description('inspect, replay and purge <queue>.dead');

dead
  .command('list <queue>')
  .description('count dead letters and tally them by reason')
  .option('--inspect <n>', 'messages to read for the tally', positiveInt, 1000)
  .action((queue: string, opts: { inspect: number }) =>
    withSession(async ({ amqp, results }) => {
      const summary = await new DeadLetterAdmin(amqp, results).summary(queue, opts.inspect);
      print(
        `${summary.deadQueue}: ${summary.count} message(s)${summary.inspected < summary.count ? ` (tally of the first ${summary.inspected})` : ''}`,
      );
      const rows = Object.entries(summary.byCode).sort((a, b) => b[1].count - a[1].count);
      if (rows.length > 0)
        print(
          table([
            ['count', 'code', 'example reason'],
            ...rows.map(([code, e]) => [String(e.count), code, e.example.slice(0, 100)]),
          ]),
        );
    }),
  );

dead
  .command('show <queue>')
  .description('print dead letters with their reason, error and body')
  .option('-n, --limit <n>', 'how many', positiveInt, 10)
  .option('--json', 'one JSON object per line')
  .action((queue: string, opts: { limit: number; json?: boolean }) =>
    withSession(async ({ amqp, results }) => {
      const letters = await new DeadLetterAdmin(amqp, results).show(queue, opts.limit);
      for (const l of letters) {
        if (opts.json) print(JSON.stringify(l));
        else
          print(
            `- ${l.taskId ?? '(no id)'} ${l.task ?? '(no task)'}\n  ${l.code}: ${l.reason}\n  failed ${l.failedAt ?? '?'} on ${l.worker ?? '?'} after ${l.attempts ?? '?'} attempt(s)\n  body (${l.bytes} bytes): ${l.body.slice(0, 200)}`,
          );
      }
      if (letters.length === 0) print(`${deadQueueName(queue.replace(/\.dead$/, ''))} is empty`);
    }),
  );

dead
  .command('replay <queue>')
  .description('send dead letters back to <queue> with retries reset')
  .option('--id <taskId...>', 'only these task ids')
  .option('-n, --limit <n>', 'at most this many', positiveInt)
  .action((queue: string, opts: { id?: string[]; limit?: number }) =>
    withSession(async ({ amqp, results }) => {
      // Progress on stderr (a bar on a terminal, lines otherwise); the replayed ids on stdout.
      const progress = new ProgressReporter(process.stderr, `replaying ${queue}.dead`);
      const replayed = await new DeadLetterAdmin(amqp, results).replay(queue, {
        ...(opts.id ? { ids: opts.id } : {}),
        ...(opts.limit ? { limit: opts.limit } : {}),
        onProgress: (done, total) => progress.update({ done, total }),
      });
      progress.finish();
      for (const l of replayed)
        print(`replayed ${l.taskId ?? '(no id)'} ${l.task ?? ''} → ${l.queue}`);
      print(`${replayed.length} message(s) replayed`);
    }),
  );

dead
  .command('purge <queue>')
  .description('delete every dead letter of <queue>')
  .option('--yes', 'confirm: the messages are gone for good')
  .action((queue: string, opts: { yes?: boolean }) =>
    withSession(async ({ amqp, results }) => {
      if (!opts.yes)
        throw new InvalidArgumentError(
          `purging ${deadQueueName(queue.replace(/\.dead$/, ''))} deletes its messages for good; add --yes`,
        );
      print(`${await new DeadLetterAdmin(amqp, results).purge(queue)} message(s) purged`);
    }),
  );

program
  .command('queues')
  .description('depth and consumers of each catalogue queue and its dead-letter queue')
  .option('--queue <name...>', 'other queues to include')
  .action((opts: { queue?: string[] }) =>
    withSession(async ({ amqp }) => {
      const rows = [['queue', 'ready', 'consumers', 'dead']];
      for (const queue of [...QUEUES, ...(opts.queue ?? [])]) {
        const depth = async (name: string) => {
          const channel = await amqp.createChannel();
          channel.on('error', () => undefined);
          try {
            return await channel.checkQueue(name);
          } catch {
            return null;
          } finally {
            await channel.close().catch(() => undefined);
          }
        };
        const [main, deadQ] = await Promise.all([depth(queue), depth(deadQueueName(queue))]);
        rows.push([
          queue,
          main ? String(main.messageCount) : 'missing',
          main ? String(main.consumerCount) : '-',
          deadQ ? String(deadQ.messageCount) : '-',
        ]);
      }
      print(table(rows));
    }),
  );

program
  .command('send <task> [arguments]')
  .description(
    'publish a task; arguments are JSON: an object (kwargs) or an array (positional args)',
  )
  .option('--queue <name>', 'queue, for tasks outside the catalogue')
  .option('--countdown <seconds>', 'run no sooner than this many seconds from now', positiveInt)
  .option('--wait [seconds]', 'wait for the result and print it (default 30 s)')
  .action(
    (
      task: string,
      json: string | undefined,
      opts: { queue?: string; countdown?: number; wait?: string | boolean },
    ) =>
      withSession(async ({ redis, results, fleet }) => {
        let parsed: unknown;
        try {
          parsed = json === undefined ? {} : JSON.parse(json);
        } catch {
          throw new InvalidArgumentError(
            `arguments must be JSON, e.g. '{"to_email": "a@example.com"}' or '["a@example.com"]'`,
          );
        }
        const subscriber = redis.duplicate();
        try {
          const client = new TaskClient({
            publisher: fleet.publisher,
            results,
            subscriber,
            origin: 'burrow-cli',
          });
          const id = await client.send(task, parsed as Record<string, unknown> | unknown[], {
            ...(opts.queue ? { queue: opts.queue } : {}),
            ...(opts.countdown ? { countdown: opts.countdown } : {}),
          });
          print(id);
          if (opts.wait !== undefined) {
            const seconds = opts.wait === true ? 30 : Number(opts.wait);
            // A bulk task reports PROGRESS: a bar on a terminal, plain lines on stderr otherwise.
            const stopProgress = followProgress(results, id, process.stderr);
            try {
              const result = await client.wait(id, (seconds + (opts.countdown ?? 0)) * 1000);
              stopProgress();
              print(JSON.stringify(result, null, 2));
            } finally {
              stopProgress();
            }
          }
        } finally {
          subscriber.disconnect();
        }
      }),
  );

program
  .command('health')
  .description(
    "the fleet's latest health report (from the last system_health_check_task); exit 1 unless healthy",
  )
  .option('--json', 'print the report as JSON')
  .action((opts: { json?: boolean }) =>
    withSession(async ({ redis, config }) => {
      const report = await new HealthSnapshots(redis, {
        keyPrefix: config.redis.keyPrefix,
        ttlSeconds: config.results.expiresSeconds,
      }).latest();
      if (!report) {
        print(
          'no health report yet: the scheduler runs system_health_check_task every 5 minutes, or run `burrow send tasks.cleanup_tasks.system_health_check_task --wait`',
        );
        process.exitCode = 1;
        return;
      }
      if (opts.json) print(JSON.stringify(report, null, 2));
      else {
        print(`${report.status} at ${report.checked_at}`);
        print(
          table([
            ['check', 'status', 'latency', 'error'],
            ...Object.entries(report.checks).map(([name, check]) => [
              name,
              check.status,
              `${check.latency_ms} ms`,
              check.error ?? '',
            ]),
          ]),
        );
      }
      process.exitCode = report.status === 'healthy' ? 0 : 1;
    }),
  );

program
  .command('status <taskId>')
  .description("a task's stored state and result (PENDING when nothing is stored)")
  .action((taskId: string) =>
    withSession(async ({ results }) => {
      const meta = await results.get(taskId);
      print(
        meta
          ? JSON.stringify(meta, null, 2)
          : JSON.stringify({ status: 'PENDING', task_id: taskId }),
      );
    }),
  );

addControlCommands(program, withSession, print, table);

program.parseAsync().catch((err: Error) => {
  const kind = err instanceof ConfigError ? 'configuration error' : 'error';
  process.stderr.write(`burrow: ${kind}: ${err.message}\n`);
  process.exit(err instanceof ConfigError ? 78 : 1);
});
