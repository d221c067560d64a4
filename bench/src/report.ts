import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cpuMicrosPerTask, tasksPerSecond, type DrainResult } from './drain-result';
import { grouped } from './format';
import type { BenchOptions } from './options';

export const TARGET_PERCENT = 100;

/** The best round of one consumer plus all of its rounds, for the record. */
export interface ConsumerSummary {
  readonly consumer: string;
  readonly best: DrainResult;
  readonly rounds: readonly DrainResult[];
}

/** Keeps each consumer's fastest round (highest tasks/s). */
export function summarise(results: readonly DrainResult[]): ConsumerSummary[] {
  const byConsumer = new Map<string, DrainResult[]>();
  for (const r of results) byConsumer.set(r.consumer, [...(byConsumer.get(r.consumer) ?? []), r]);
  return [...byConsumer].map(([consumer, rounds]) => ({
    consumer,
    rounds,
    best: rounds.reduce((a, b) => (tasksPerSecond(b) > tasksPerSecond(a) ? b : a)),
  }));
}

export function percentOf(summary: ConsumerSummary, minimal: ConsumerSummary): number {
  return (100 * tasksPerSecond(summary.best)) / tasksPerSecond(minimal.best);
}

export function markdownTable(
  summaries: readonly ConsumerSummary[],
  minimal: ConsumerSummary,
): string {
  const header = ['consumer', 'tasks', 'seconds', 'tasks/s', 'vs minimal'];
  const rows = summaries.map((s) => [
    s.consumer,
    grouped(s.best.tasks),
    s.best.seconds.toFixed(2),
    grouped(tasksPerSecond(s.best)),
    `${percentOf(s, minimal).toFixed(0)} %`,
  ]);
  return alignedTable(header, rows);
}

/** A Markdown table padded as Prettier pads it: first column left, the rest right-aligned. */
export function alignedTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const cell = (text: string, i: number) =>
    i === 0 ? text.padEnd(widths[i] ?? 0) : text.padStart(widths[i] ?? 0);
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`));
  return [line(header), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n');
}

export function ratioLine(burrow: ConsumerSummary, minimal: ConsumerSummary): string {
  return `ratio: burrow = ${percentOf(burrow, minimal).toFixed(0)} % of the minimal loop (target ≥ ${TARGET_PERCENT} %)`;
}

/** Every round's throughput, in run order, so the spread is visible next to the best. */
export function roundsLine(summaries: readonly ConsumerSummary[]): string {
  return summaries
    .map(
      (s) => `${s.consumer}: ${s.rounds.map((r) => grouped(tasksPerSecond(r))).join(', ')} tasks/s`,
    )
    .join('; ');
}

/** Node CPU per task in each consumer's best round: the cost that decides a CPU-bound box. */
export function cpuLine(summaries: readonly ConsumerSummary[]): string {
  return `Consumer CPU per task (best rounds; the process and its pool for Celery): ${summaries
    .map((s) => `${s.consumer} ${grouped(cpuMicrosPerTask(s.best))} µs`)
    .join(', ')}`;
}

/** Writes bench/results/latest.md: the table with the machine and settings it came from. */
export async function writeLatest(
  options: BenchOptions,
  table: string,
  ratio: string,
  rounds: string,
  cpu: string,
  loadBefore: readonly number[],
): Promise<string> {
  const dir = path.resolve(__dirname, '..', 'results');
  await mkdir(dir, { recursive: true });
  const cpus = os.cpus();
  const text = [
    '# burrow drain benchmark',
    '',
    `- date: ${new Date().toISOString()}`,
    `- node: ${process.version}`,
    `- CPUs: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'}; load average (1 min) ${loadBefore[0]?.toFixed(2)} before, ${os.loadavg()[0]?.toFixed(2)} after (other work on the box slows a CPU-bound consumer more)`,
    `- settings: ${grouped(options.tasks)} no-op tasks per run, prefetch ${options.prefetch} (both), burrow concurrency ${options.concurrency}, ${options.rounds} rounds alternating minimal/burrow; best round of each reported`,
    `- burrow runs in-process at log level warn; the info-logs row (last round only) runs in a child process at level info with stdout on /dev/null`,
    '',
    table,
    '',
    ratio,
    '',
    `Every round: ${rounds}.`,
    '',
    `${cpu}.`,
    '',
    'Reproduce: `npm run bench` (BENCH_TASKS, BENCH_CONCURRENCY, BENCH_PREFETCH, BENCH_ROUNDS, BENCH_INFO_LOGS).',
    '',
  ].join('\n');
  const file = path.join(dir, 'latest.md');
  await writeFile(file, text);
  return file;
}

/** bench/results/drain.json: every consumer's best round, for the chart and the record. */
export async function writeDrainJson(
  summaries: readonly ConsumerSummary[],
  minimal: ConsumerSummary,
): Promise<string> {
  const dir = path.resolve(__dirname, '..', 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'drain.json');
  const rows = summaries.map((s) => ({
    consumer: s.consumer,
    tasks: s.best.tasks,
    seconds: Number(s.best.seconds.toFixed(3)),
    tasksPerSecond: Math.round(tasksPerSecond(s.best)),
    percentOfMinimal: Math.round(percentOf(s, minimal)),
    cpuMicrosPerTask: Math.round(cpuMicrosPerTask(s.best)),
    rounds: s.rounds.map((r) => Math.round(tasksPerSecond(r))),
  }));
  await writeFile(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, rows }, null, 2)}\n`,
  );
  return file;
}
