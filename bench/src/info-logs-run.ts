import { fork } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import type { BurrowRunOptions } from './burrow-run';
import type { DrainResult } from './drain-result';

/** Runs `info-logs-child` with stdout on /dev/null and waits for its result. */
export async function drainBurrowInfoLogs(
  options: Omit<BurrowRunOptions, 'progress' | 'logLevel'>,
): Promise<DrainResult> {
  const devNull = openSync('/dev/null', 'w');
  try {
    const child = fork(path.join(__dirname, 'info-logs-child.js'), [], {
      stdio: ['ignore', devNull, 'inherit', 'ipc', 1],
    });
    child.send(options);
    return await new Promise<DrainResult>((resolve, reject) => {
      let result: DrainResult | undefined;
      child.on('message', (message: { result?: DrainResult }) => {
        result = message.result;
      });
      child.on('error', reject);
      child.on('exit', (code) => {
        if (code === 0 && result) resolve(result);
        else reject(new Error(`the info-logs bench process exited with code ${code}`));
      });
    });
  } finally {
    closeSync(devNull);
  }
}
