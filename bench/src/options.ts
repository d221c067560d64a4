/** Benchmark settings, read once from the environment by the entry point and frozen. */
export interface BenchOptions {
  /** Tasks pre-published and drained per measured run. @default 50000 */
  readonly tasks: number;
  /** burrow's TaskConsumer concurrency (tasks running at once). @default 64 */
  readonly concurrency: number;
  /** Unacked deliveries per consumer, the same for both consumers. @default concurrency */
  readonly prefetch: number;
  /** Rounds of (minimal, burrow); the best round of each consumer is reported. @default 2 */
  readonly rounds: number;
  /** Adds a burrow row (last round only) with info-level task logs to /dev/null. @default true */
  readonly infoLogsRow: boolean;
  /** Only these consumers (e.g. "burrow" for profiling); the ratio needs both. @default all */
  readonly only: readonly string[] | null;
  readonly amqpUrl: string;
  readonly redisUrl: string;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.replace(/[_\s]/g, ''));
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive whole number, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new Error(`${name} must be true or false, got ${JSON.stringify(env[name])}`);
}

/** Compiles the BENCH_* variables (and the usual RABBITMQ_URL / REDIS_URL) into options. */
export function loadBenchOptions(env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const concurrency = positiveInt(env, 'BENCH_CONCURRENCY', 64);
  return Object.freeze({
    tasks: positiveInt(env, 'BENCH_TASKS', 50_000),
    concurrency,
    prefetch: positiveInt(env, 'BENCH_PREFETCH', concurrency),
    rounds: positiveInt(env, 'BENCH_ROUNDS', 2),
    infoLogsRow: flag(env, 'BENCH_INFO_LOGS', true),
    only: env.BENCH_ONLY?.trim() ? env.BENCH_ONLY.split(',').map((s) => s.trim()) : null,
    amqpUrl: env.RABBITMQ_URL || 'amqp://guest:guest@localhost:5672',
    redisUrl: env.REDIS_URL || 'redis://localhost:6379',
  });
}
