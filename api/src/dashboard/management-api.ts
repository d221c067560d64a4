/** Where the RabbitMQ management API is and how to sign in to it. */
export interface ManagementTarget {
  /** Base URL without credentials, e.g. `http://rabbit:15672`. */
  readonly baseUrl: string;
  /** `Basic …`, or null when the URL carries no user. */
  readonly authorization: string | null;
  /** The broker URL's virtual host, whose queues the dashboard shows. */
  readonly vhost: string;
}

/**
 * The management API for a broker URL: `configured` when given (its credentials sign in),
 * otherwise the broker's host on 15672 (15671 for amqps) with the broker's user and password.
 * The vhost always comes from the broker URL, since that is where the fleet's queues are.
 */
export function managementTarget(brokerUrl: string, configured: string): ManagementTarget {
  const broker = new URL(brokerUrl);
  const vhost = decodeURIComponent(broker.pathname.slice(1)) || '/';
  const source = configured
    ? new URL(configured)
    : new URL(
        `${broker.protocol === 'amqps:' ? 'https' : 'http'}://${broker.hostname.includes(':') ? `[${broker.hostname}]` : broker.hostname}:${broker.protocol === 'amqps:' ? 15671 : 15672}`,
      );
  const creds = configured ? source : broker;
  const user = decodeURIComponent(creds.username || (configured ? '' : 'guest'));
  const password = decodeURIComponent(creds.password || (configured ? '' : 'guest'));
  const baseUrl = `${source.protocol}//${source.host}${source.pathname.replace(/\/+$/, '')}`;
  return {
    baseUrl,
    authorization: user ? `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` : null,
    vhost,
  };
}

/** One queue as `GET /api/queues/{vhost}` reports it, reduced to what the dashboard shows. */
export interface QueueStats {
  readonly name: string;
  readonly messages: number;
  readonly ready: number;
  readonly unacked: number;
  readonly consumers: number;
  /** Messages per second over the management API's last sample window. */
  readonly publishRate: number;
  readonly deliverRate: number;
  readonly ackRate: number;
}

type RawQueue = {
  name?: unknown;
  messages?: unknown;
  messages_ready?: unknown;
  messages_unacknowledged?: unknown;
  consumers?: unknown;
  message_stats?: Record<string, unknown>;
};

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);
const rate = (stats: RawQueue['message_stats'], name: string): number =>
  num((stats?.[`${name}_details`] as { rate?: unknown } | undefined)?.rate);

/** The management API's queue objects as QueueStats. Pure. */
export function parseQueues(body: unknown): QueueStats[] {
  if (!Array.isArray(body)) return [];
  return (body as RawQueue[])
    .filter((q) => typeof q?.name === 'string')
    .map((q) => ({
      name: q.name as string,
      messages: num(q.messages),
      ready: num(q.messages_ready),
      unacked: num(q.messages_unacknowledged),
      consumers: num(q.consumers),
      publishRate: rate(q.message_stats, 'publish'),
      deliverRate: rate(q.message_stats, 'deliver_get'),
      ackRate: rate(q.message_stats, 'ack'),
    }));
}

/** A task queue with its dead-letter queue beside it. */
export interface QueueRow extends QueueStats {
  /** Messages in `<name>.dead`. */
  readonly deadLetters: number;
}

/**
 * The task queues among a vhost's queues: every queue that has a `<name>.dead` beside it (the
 * topology declares one per task queue), sorted by name; event, reply and delay queues drop out.
 */
export function taskQueueRows(queues: readonly QueueStats[]): QueueRow[] {
  const byName = new Map(queues.map((q) => [q.name, q]));
  return queues
    .filter((q) => !q.name.endsWith('.dead') && byName.has(`${q.name}.dead`))
    .map((q) => ({ ...q, deadLetters: byName.get(`${q.name}.dead`)?.messages ?? 0 }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The management APIs to ask, in order: the configured one, or one per broker URL (every node
 * of a cluster serves the same API), so the dashboard keeps its queue figures when the first
 * node is down.
 */
export function managementTargets(
  brokerUrls: readonly string[],
  configured: string,
): ManagementTarget[] {
  if (configured) return [managementTarget(brokerUrls[0]!, configured)];
  const targets = brokerUrls.map((url) => managementTarget(url, ''));
  return targets.filter((t, i) => targets.findIndex((o) => o.baseUrl === t.baseUrl) === i);
}

/**
 * Reads queue statistics from the RabbitMQ management API over HTTP. With several targets it
 * stays on the one that answered last and moves to the next when that one fails.
 */
export class ManagementClient {
  private readonly targets: readonly ManagementTarget[];
  private current = 0;

  constructor(
    targets: ManagementTarget | readonly ManagementTarget[],
    private readonly timeoutMs = 3_000,
  ) {
    this.targets = Array.isArray(targets) ? targets : [targets as ManagementTarget];
    if (this.targets.length === 0) throw new Error('ManagementClient needs a target');
  }

  /** The vhost's queues; throws, naming every node it asked, when none answers. */
  async queues(): Promise<QueueStats[]> {
    const errors: string[] = [];
    for (let i = 0; i < this.targets.length; i++) {
      const at = (this.current + i) % this.targets.length;
      try {
        const queues = await this.queuesFrom(this.targets[at]!);
        this.current = at;
        return queues;
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    throw new Error(errors.join('; '));
  }

  private async queuesFrom(target: ManagementTarget): Promise<QueueStats[]> {
    const columns =
      'name,messages,messages_ready,messages_unacknowledged,consumers,message_stats.publish_details,message_stats.deliver_get_details,message_stats.ack_details';
    const url = `${target.baseUrl}/api/queues/${encodeURIComponent(target.vhost)}?columns=${columns}`;
    let response: Response;
    try {
      response = await fetch(url, {
        headers: target.authorization ? { authorization: target.authorization } : {},
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new Error(`RabbitMQ management API at ${target.baseUrl} unreachable: ${describe(err)}`);
    }
    if (!response.ok)
      throw new Error(`RabbitMQ management API answered ${response.status} for ${url}`);
    return parseQueues(await response.json());
  }
}

/** fetch's TypeError says only "fetch failed"; the reason is in its cause. */
function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}
