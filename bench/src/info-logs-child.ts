import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { drainBurrow, type BurrowRunOptions } from './burrow-run';

type ChildOptions = Omit<BurrowRunOptions, 'progress' | 'logLevel'>;

/**
 * Runs one burrow drain at log level info in its own process, whose stdout (where the
 * production Console transport writes every "task succeeded" line) is /dev/null. Options
 * arrive over IPC (not argv, which `ps` shows); progress lines go to fd 4, the parent's
 * stdout; the result goes back over IPC.
 */
async function main(): Promise<void> {
  const [options] = (await once(process, 'message')) as [ChildOptions];
  const progress = createWriteStream('', { fd: 4 });
  const result = await drainBurrow({ ...options, logLevel: 'info', progress });
  await new Promise<void>((resolve, reject) =>
    process.send?.({ result }, (err: Error | null) => (err ? reject(err) : resolve())),
  );
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`bench child failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
