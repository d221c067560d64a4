import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './stack';

const run = promisify(execFile);

/** Runs a deploy/local-stack.sh subcommand (restart-rabbitmq, stop-redis, …) and waits for it. */
export async function stackCommand(command: string): Promise<string> {
  const { stdout } = await run('bash', [path.join(REPO_ROOT, 'deploy/local-stack.sh'), command], {
    timeout: 180_000,
  });
  return stdout;
}
