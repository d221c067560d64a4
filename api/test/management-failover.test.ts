import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ManagementClient,
  managementTargets,
  type ManagementTarget,
} from '../src/dashboard/management-api';

/** A stand-in management API node that answers GET /api/queues/<vhost> and counts the calls. */
async function managementNode(queue: string) {
  let calls = 0;
  const server = http.createServer((req, res) => {
    calls++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify([{ name: queue, messages: 7, messages_ready: 7, consumers: 1 }]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    target: { baseUrl: `http://127.0.0.1:${port}`, authorization: null, vhost: '/' },
    calls: () => calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port nothing listens on: a node that is down. */
async function downNode(): Promise<ManagementTarget> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { baseUrl: `http://127.0.0.1:${port}`, authorization: null, vhost: '/' };
}

describe('management API across a cluster', () => {
  it('derives one target per node of RABBITMQ_URLS, or takes the configured one alone', () => {
    const urls = ['amqp://u:p@mq1:5672/prod', 'amqp://u:p@mq2:5672/prod', 'amqp://u:p@mq2/prod'];
    expect(managementTargets(urls, '').map((t) => t.baseUrl)).toEqual([
      'http://mq1:15672',
      'http://mq2:15672',
    ]);
    expect(managementTargets(urls, 'http://admin:a@mgmt:15672').map((t) => t.baseUrl)).toEqual([
      'http://mgmt:15672',
    ]);
  });

  it('reads the queues from the next node when the first is down, and stays there', async () => {
    const first = await downNode();
    const second = await managementNode('email');
    try {
      const client = new ManagementClient([first, second.target], 1_000);
      expect((await client.queues()).map((q) => [q.name, q.messages])).toEqual([['email', 7]]);
      await client.queues();
      expect(second.calls()).toBe(2);
    } finally {
      await second.close();
    }
  });

  it('names every node it asked when none answers', async () => {
    const a = await downNode();
    const b = await downNode();
    const client = new ManagementClient([a, b], 1_000);
    const error = await client.queues().then(
      () => null,
      (err: Error) => err.message,
    );
    expect(error).toContain(`${a.baseUrl} unreachable: ECONNREFUSED`);
    expect(error).toContain(`${b.baseUrl} unreachable: ECONNREFUSED`);
  });
});
