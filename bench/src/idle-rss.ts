import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { alignedTable } from './report';

/**
 * Resident memory of an idle `burrow-worker` process per queue set: what a worker costs before
 * it runs anything, and what loading only its own families saves. Each set is started
 * BENCH_RSS_RUNS times (default 3); RSS is read from /proc after BENCH_RSS_SETTLE_MS idle.
 * Writes bench/results/rss.md.
 */

const REPO = path.join(__dirname, '..', '..');
const WORKER = path.join(REPO, 'workers', 'dist', 'cli', 'worker-cli.js');
const QUEUE_SETS = (process.env.BENCH_RSS_QUEUES ?? 'email;notifications;cleanup;all').split(';');
const RUNS = Number(process.env.BENCH_RSS_RUNS ?? 3);
const SETTLE_MS = Number(process.env.BENCH_RSS_SETTLE_MS ?? 5_000);

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** Starts a worker on `queues`, waits until it is ready and idle, and returns its RSS in MB. */
function idleRss(queues: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [WORKER, ...(queues === 'all' ? [] : ['--queues', queues])],
      {
        env: {
          ...process.env,
          LOG_DIR: '',
          LOG_LEVEL: 'info',
          WORKER_NAME: `rss-${randomBytes(3).toString('hex')}@bench`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    const fail = (why: string) => {
      child.kill('SIGKILL');
      reject(new Error(`${why}; worker said:\n${output}`));
    };
    const timeout = setTimeout(() => fail('worker not ready within 30 s'), 30_000);
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) fail(`worker exited with ${code}`);
    });
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes('worker ready')) return;
      child.stdout.off('data', onData);
      clearTimeout(timeout);
      setTimeout(() => {
        const mb = rssMb(child.pid!);
        child.once('exit', () => resolve(mb));
        child.kill('SIGTERM');
      }, SETTLE_MS);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });
}

async function main(): Promise<void> {
  const rows: string[][] = [];
  for (const queues of QUEUE_SETS) {
    const samples: number[] = [];
    for (let run = 0; run < RUNS; run += 1) samples.push(await idleRss(queues));
    samples.sort((a, b) => a - b);
    const median = samples[Math.floor(samples.length / 2)]!;
    rows.push([
      queues,
      String(samples.length),
      samples[0]!.toFixed(1),
      median.toFixed(1),
      samples[samples.length - 1]!.toFixed(1),
    ]);
    process.stdout.write(`${queues}: median ${median.toFixed(1)} MB idle RSS\n`);
  }
  const table = alignedTable(['queues', 'runs', 'min MB', 'median MB', 'max MB'], rows);
  process.stdout.write(`${table}\n`);
  const out = path.join(__dirname, '..', 'results', 'rss.md');
  fs.writeFileSync(
    out,
    `# Idle worker RSS\n\n- date: ${new Date().toISOString()}\n- node: ${process.version}\n\n${table}\n`,
  );
}

main().catch((err: Error) => {
  process.stderr.write(`idle RSS bench failed: ${err.message}\n`);
  process.exit(1);
});
