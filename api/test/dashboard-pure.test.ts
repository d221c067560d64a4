import {
  beatOf,
  deadLettersTable,
  foldTaskEvents,
  loadApiConfig,
  managementTarget,
  matchTasks,
  parseEntry,
  parseEvents,
  parseQueues,
  taskQueueRows,
  tasksTable,
  workerDetails,
  workerStatus,
  type StoredTaskEvent,
} from '@burrow/api';

const event = (
  uuid: string,
  type: string,
  at: number,
  fields: Record<string, unknown> = {},
): StoredTaskEvent => ({ uuid, type, at, hostname: 'w1@host', fields });

describe('dashboard: pure parts', () => {
  it('derives the management API from the broker URL, or takes the configured one', () => {
    const derived = managementTarget('amqp://app:s%40cret@rabbit.internal:5672/prod', '');
    expect(derived).toEqual({
      baseUrl: 'http://rabbit.internal:15672',
      authorization: `Basic ${Buffer.from('app:s@cret').toString('base64')}`,
      vhost: 'prod',
    });
    expect(managementTarget('amqps://u:p@mq:5671/', '').baseUrl).toBe('https://mq:15671');
    expect(managementTarget('amqp://guest:guest@localhost/', '').vhost).toBe('/');
    const configured = managementTarget(
      'amqp://app:pw@rabbit/v1',
      'https://admin:adm@mgmt.example:8443/rabbitmq/',
    );
    expect(configured).toEqual({
      baseUrl: 'https://mgmt.example:8443/rabbitmq',
      authorization: `Basic ${Buffer.from('admin:adm').toString('base64')}`,
      vhost: 'v1',
    });
  });

  it('keeps task queues (those with a .dead beside them) with their dead-letter counts', () => {
    const queues = parseQueues([
      {
        name: 'email',
        messages: 3,
        messages_ready: 2,
        messages_unacknowledged: 1,
        consumers: 1,
        message_stats: { publish_details: { rate: 1.5 }, ack_details: { rate: 0.5 } },
      },
      { name: 'email.dead', messages: 4 },
      { name: 'celeryev.burrow-api', messages: 0 },
      { name: 'burrow.delay.3', messages: 9 },
      { name: 'bulk_email', messages: 0 },
      { name: 'bulk_email.dead', messages: 0 },
    ]);
    expect(taskQueueRows(queues)).toEqual([
      expect.objectContaining({ name: 'bulk_email', deadLetters: 0 }),
      expect.objectContaining({
        name: 'email',
        ready: 2,
        unacked: 1,
        consumers: 1,
        publishRate: 1.5,
        deliverRate: 0,
        ackRate: 0.5,
        deadLetters: 4,
      }),
    ]);
    expect(parseQueues({ error: 'x' })).toEqual([]);
  });

  it('folds task events into one summary per task, newest first', () => {
    const tasks = foldTaskEvents([
      event('b', 'task-received', 10, { name: 'tasks.sms', args: '()', kwargs: "{'to': 1}" }),
      event('a', 'task-succeeded', 5, { result: '{"ok":true}', runtime: 0.25 }),
      event('a', 'task-received', 1, { name: 'tasks.email' }),
      event('a', 'task-started', 2),
      event('b', 'task-retried', 11, { exception: "Boom('x')", traceback: 'tb' }),
    ]);
    expect(tasks.map((t) => [t.id, t.state])).toEqual([
      ['b', 'RETRY'],
      ['a', 'SUCCESS'],
    ]);
    expect(tasks[1]).toMatchObject({
      name: 'tasks.email',
      receivedAt: 1,
      startedAt: 2,
      finishedAt: 5,
      runtime: 0.25,
      result: '{"ok":true}',
      retries: 0,
      worker: 'w1@host',
    });
    expect(tasks[0]).toMatchObject({ retries: 1, exception: "Boom('x')", kwargs: "{'to': 1}" });
    expect(matchTasks(tasks, { name: 'EMAIL' }).map((t) => t.id)).toEqual(['a']);
    expect(matchTasks(tasks, { state: 'retry' }).map((t) => t.id)).toEqual(['b']);
    expect(matchTasks(tasks, { id: 'b', state: 'SUCCESS' })).toEqual([]);
  });

  it('starts a replayed task’s times again at its new task-received', () => {
    const [task] = foldTaskEvents([
      event('a', 'task-received', 1, { name: 't' }),
      event('a', 'task-failed', 2, { exception: 'E()' }),
      event('a', 'task-received', 3, { name: 't' }),
      event('a', 'task-succeeded', 4, { result: '1' }),
    ]);
    expect(task).toMatchObject({ state: 'SUCCESS', receivedAt: 3, finishedAt: 4, exception: null });
  });

  it('reads stream entries and event messages, dropping what is not an event', () => {
    expect(
      parseEntry(['uuid', 'a', 'type', 'task-started', 'at', '7', 'hostname', '', 'fields', '{']),
    ).toEqual({ uuid: 'a', type: 'task-started', at: 7, hostname: null, fields: {} });
    expect(parseEntry(['type', 'task-started'])).toBeNull();
    expect(parseEvents(Buffer.from('[{"type":"task-started"},3,null]'))).toEqual([
      { type: 'task-started' },
    ]);
    expect(parseEvents(Buffer.from('not json'))).toEqual([]);
  });

  it('calls a worker online for two heartbeat intervals (plus a second), offline when it says so', () => {
    const beat = beatOf(
      { type: 'worker-heartbeat', hostname: 'w', freq: 2, active: 1, processed: 9 },
      1000,
    )!;
    expect(beat).toMatchObject({
      hostname: 'w',
      active: 1,
      processed: 9,
      online: true,
      rssBytes: null,
    });
    expect(workerStatus(beat, 1000 + 5000)).toBe('online');
    expect(workerStatus(beat, 1000 + 5001)).toBe('lost');
    expect(workerStatus(beatOf({ type: 'worker-offline', hostname: 'w' }, 0)!, 0)).toBe('offline');
    expect(beatOf({ type: 'task-started', hostname: 'w' }, 0)).toBeNull();
    expect(
      workerDetails({ pool: { 'max-concurrency': 4 }, rusage: { maxrss: 1024 } }, [
        { name: 'email' },
      ]),
    ).toEqual({ concurrency: 4, queues: ['email'], maxRssBytes: 1_048_576 });
  });

  it('escapes what tasks and dead letters carry', () => {
    const [task] = foldTaskEvents([event('<x>', 'task-received', 1, { name: '<script>' })]);
    const html = tasksTable([task!]);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;');
    const dead = deadLettersTable(
      'email',
      [
        {
          taskId: 'id"1',
          task: 't',
          queue: 'email',
          reason: '<b>',
          code: 'c',
          error: '',
          worker: null,
          failedAt: null,
          attempts: 1,
          body: '',
          bytes: 0,
        },
      ],
      50,
    );
    expect(dead).toContain('data-task-id="id&#34;1"');
    expect(dead).not.toContain('<b>');
  });

  it('validates the dashboard variables', () => {
    const base = { API_ALLOW_ANONYMOUS: 'true' };
    expect(loadApiConfig(base).dashboard).toEqual({
      managementUrl: '',
      historyMaxLength: 10_000,
      enableEventsSeconds: 5,
    });
    expect(() => loadApiConfig({ ...base, RABBITMQ_MANAGEMENT_URL: 'rabbit:15672' })).toThrow(
      /RABBITMQ_MANAGEMENT_URL/,
    );
    expect(() => loadApiConfig({ ...base, DASHBOARD_HISTORY_MAXLEN: '5' })).toThrow(
      /DASHBOARD_HISTORY_MAXLEN/,
    );
  });
});
