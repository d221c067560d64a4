import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './stack';

const run = promisify(execFile);
const SCRIPT = path.join(REPO_ROOT, 'deploy/rabbit-cluster.sh');

/** One node of the cluster deploy/rabbit-cluster.sh runs (its default ports). */
export interface ClusterNode {
  readonly index: 1 | 2 | 3;
  /** Erlang node name, as the management API reports a queue's leader. */
  readonly name: string;
  readonly amqpUrl: string;
  readonly managementUrl: string;
}

export const CLUSTER_NODES: readonly ClusterNode[] = ([1, 2, 3] as const).map((index) => ({
  index,
  name: `burrow-c${index}@localhost`,
  amqpUrl: `amqp://guest:guest@127.0.0.1:${5700 + index}/`,
  managementUrl: `http://127.0.0.1:${15700 + index}`,
}));

/** Runs `deploy/rabbit-cluster.sh <args>`; rejects with its output when it fails. */
export async function clusterScript(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('bash', [SCRIPT, ...args], { timeout: 200_000 });
    return stdout;
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    throw new Error(`rabbit-cluster.sh ${args.join(' ')} failed: ${stdout}${stderr}`);
  }
}

/** The beam process of a node, to kill -9. */
export async function clusterNodePid(node: ClusterNode): Promise<number> {
  return Number((await clusterScript('pid', String(node.index))).trim());
}

/** Whether the node's beam process is alive (per the script's `status`). */
export async function clusterNodeUp(node: ClusterNode): Promise<boolean> {
  const status = await clusterScript('status').catch((err: Error) => err.message);
  return new RegExp(`^${node.name} up `, 'm').test(status);
}

/**
 * The node holding the quorum leader of `queue` (default vhost) and its members, asked of the
 * first node whose management API answers.
 */
export async function quorumLeader(
  queue: string,
  nodes: readonly ClusterNode[] = CLUSTER_NODES,
): Promise<{ leader: ClusterNode; members: string[] }> {
  let last: unknown;
  for (const node of nodes) {
    try {
      const response = await fetch(`${node.managementUrl}/api/queues/%2F/${queue}`, {
        headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
        signal: AbortSignal.timeout(5_000),
      });
      if (!response.ok) throw new Error(`${node.name}: HTTP ${response.status}`);
      const body = (await response.json()) as { leader?: string; members?: string[] };
      const leader = CLUSTER_NODES.find((n) => n.name === body.leader);
      if (!leader) throw new Error(`${node.name}: no known leader in ${JSON.stringify(body)}`);
      return { leader, members: body.members ?? [] };
    } catch (err) {
      last = err;
    }
  }
  throw new Error(`no node reported the leader of ${queue}: ${String(last)}`);
}
