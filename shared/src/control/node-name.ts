import os from 'node:os';

/**
 * The remote-control node name of one worker process, in Celery's `name@host` form. Every
 * process gets its own (two nodes sharing a name would share a mailbox), so the pid is added
 * to the name part: `burrow@web-1` → `burrow-4242@web-1`. Queue names are not affected.
 */
export function nodeName(workerName: string, pid: number = process.pid): string {
  const at = workerName.lastIndexOf('@');
  const local = at < 0 ? workerName : workerName.slice(0, at);
  const host = at < 0 ? os.hostname() : workerName.slice(at + 1);
  return `${local || 'burrow'}-${pid}@${host || os.hostname()}`;
}

/**
 * Whether a control request is for `node`: named in `destination`, or matching `pattern`
 * (a glob, or a regular expression when `matcher` is `pcre`), or addressed to every node.
 */
export function isForNode(
  node: string,
  request: { destination?: unknown; pattern?: unknown; matcher?: unknown },
): boolean {
  const { destination, pattern, matcher } = request;
  if (Array.isArray(destination) && destination.length > 0) return destination.includes(node);
  if (typeof pattern === 'string' && pattern !== '') {
    try {
      return (matcher === 'pcre' ? new RegExp(pattern) : globRegExp(pattern)).test(node);
    } catch {
      return false;
    }
  }
  return true;
}

function globRegExp(glob: string): RegExp {
  const escaped = glob
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$+.()|[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${escaped}$`);
}
