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

/** Reads queue statistics from the RabbitMQ management API over HTTP. */
export class ManagementClient {
  constructor(
    private readonly target: ManagementTarget,
    private readonly timeoutMs = 3_000,
  ) {}

  /** The vhost's queues; throws when the management API cannot be reached or refuses. */
  async queues(): Promise<QueueStats[]> {
    const columns =
      'name,messages,messages_ready,messages_unacknowledged,consumers,message_stats.publish_details,message_stats.deliver_get_details,message_stats.ack_details';
    const url = `${this.target.baseUrl}/api/queues/${encodeURIComponent(this.target.vhost)}?columns=${columns}`;
    const response = await fetch(url, {
      headers: this.target.authorization ? { authorization: this.target.authorization } : {},
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok)
      throw new Error(`RabbitMQ management API answered ${response.status} for ${url}`);
    return parseQueues(await response.json());
  }
}
