import { AMQP_URL, MGMT_URL, uniqueName } from './stack';

/** A RabbitMQ virtual host of a test's own, where catalogue queues are nobody else's. */
export interface PrivateVhost {
  readonly name: string;
  /** AMQP_URL with this vhost as its path. */
  readonly url: string;
  /** Deletes the vhost with its queues. */
  close(): Promise<void>;
}

async function management(method: 'PUT' | 'DELETE', resource: string, body?: object) {
  const { username, password } = new URL(AMQP_URL);
  const response = await fetch(`${MGMT_URL}/api/${resource}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
      'content-type': 'application/json',
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!response.ok) throw new Error(`${method} ${resource}: ${response.status}`);
}

/**
 * Creates a vhost named after `prefix` through the management API and grants the stack's user
 * everything on it: a worker on the catalogue queues runs there without taking other tests'
 * messages.
 */
export async function createPrivateVhost(prefix: string): Promise<PrivateVhost> {
  const name = uniqueName(prefix);
  await management('PUT', `vhosts/${name}`, {});
  await management('PUT', `permissions/${name}/${new URL(AMQP_URL).username}`, {
    configure: '.*',
    write: '.*',
    read: '.*',
  });
  return {
    name,
    url: Object.assign(new URL(AMQP_URL), { pathname: `/${name}` }).toString(),
    close: () => management('DELETE', `vhosts/${name}`),
  };
}
