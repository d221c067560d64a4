import { Type } from '@sinclair/typebox';
import {
  CATALOGUE,
  QUEUES,
  sendEmailTask,
  sendPushNotificationTask,
  systemHealthCheckTask,
} from '../src/catalogue';
import { renderCatalogueMarkdown, renderCeleryConfig, renderJsonSchemas } from '../src/render';
import { sendTaskCall } from '../src/render/python-call';
import { defineTask } from '../src/task-contract';

/** The table row of one task in the rendered markdown. */
function rowOf(markdown: string, taskName: string): string {
  const row = markdown.split('\n').find((line) => line.startsWith(`| \`${taskName}\``));
  if (row === undefined) throw new Error(`no row for ${taskName}`);
  return row;
}

describe('renderCatalogueMarkdown', () => {
  const markdown = renderCatalogueMarkdown(CATALOGUE);

  it('has one section per queue, in order, each listing its tasks', () => {
    const headings = markdown.split('\n').filter((line) => line.startsWith('### '));
    expect(headings).toEqual(QUEUES.map((q) => `### Queue \`${q}\``));
    for (const contract of CATALOGUE) {
      const section = markdown
        .split('### ')
        .find((s) => s.startsWith(`Queue \`${contract.queue}\``));
      expect(section).toContain(`\`${contract.name}\``);
      expect(section).toContain(contract.description);
    }
  });

  it('shows positional parameters in order with optional marks, types and defaults', () => {
    const row = rowOf(markdown, 'tasks.email_tasks.send_email_task');
    expect(row).toContain(
      '1. `to_email: string \\| string[]`<br>2. `subject: string`<br>3. `body: string`',
    );
    expect(row).toContain('4. `html?: string`');
    expect(row).toContain(
      '{filename, content_base64, content_type?} \\| {filename, path, content_type?}',
    );
    const queueRow = rowOf(markdown, 'tasks.notification_tasks.process_notification_queue_task');
    expect(queueRow).toContain('`batch_size?: integer = 100`');
    expect(rowOf(markdown, 'tasks.cleanup_tasks.system_health_check_task')).toContain('| none |');
  });

  it("shows each task's Python call in positional order and, where known, the seed's call", () => {
    expect(rowOf(markdown, sendPushNotificationTask.name)).toContain(
      "<br>Call: `send_task('tasks.notification_tasks.send_push_notification_task', args=[user_tokens, title, body])`" +
        '<br>Seed call: `send_push_notification(user_tokens, title, body)` |',
    );
    expect(rowOf(markdown, 'tasks.data_processing_tasks.process_user_data_task')).toContain(
      "Call: `send_task('tasks.data_processing_tasks.process_user_data_task', args=[user_id])`" +
        '<br>Seed call: `process_user_data(user_id, data_type, data)` |',
    );
    expect(rowOf(markdown, systemHealthCheckTask.name)).toContain(
      "Call: `send_task('tasks.cleanup_tasks.system_health_check_task')`<br>Seed call: `system_health_check_task()` |",
    );
    const sms = rowOf(markdown, 'tasks.notification_tasks.send_sms_task');
    expect(sms).toContain(
      "Call: `send_task('tasks.notification_tasks.send_sms_task', args=[phone_number, message])` |",
    );
    expect(sms).not.toContain('Seed call');
    expect(markdown.split('\n')[0]).toMatch(/^\*\*Call\*\* is the shortest `app.send_task`/);
    expect(markdown.match(/\*\*Seed call\*\*/g)).toHaveLength(1);
  });

  it('shows result fields and the defaults', () => {
    const sms = rowOf(markdown, 'tasks.notification_tasks.send_sms_task');
    expect(sms).toContain('`sid: string`<br>`status: string`');
    expect(sms).toContain('| 3 | 5 s × 2ⁿ, max 5 min, jitter | 30 s / 45 s | never |');
    const health = rowOf(markdown, 'tasks.cleanup_tasks.system_health_check_task');
    expect(health).toContain("`status: 'healthy' \\| 'degraded' \\| 'unhealthy'`");
    expect(health).toContain('| 0 | — | 60 s / 90 s | 4 min |');
    expect(rowOf(markdown, 'tasks.data_processing_tasks.update_exchange_rates_task')).toMatch(
      /\| 50 min \|$/,
    );
  });

  it('keeps every row on one line with the header column count', () => {
    const tableLines = markdown.split('\n').filter((line) => line.startsWith('|'));
    expect(tableLines).toHaveLength(QUEUES.length * 2 + CATALOGUE.length);
    for (const line of tableLines) {
      expect(line.replace(/\\\|/g, '').split('|')).toHaveLength(9);
    }
  });

  it('is deterministic and honours the heading level', () => {
    expect(renderCatalogueMarkdown(CATALOGUE)).toBe(markdown);
    expect(markdown.endsWith('|\n')).toBe(true);
    expect(renderCatalogueMarkdown(CATALOGUE, { headingLevel: 4 })).toContain('#### Queue `email`');
  });
});

describe('sendTaskCall', () => {
  const kwargs = Type.Object(
    {
      tokens: Type.Optional(Type.Array(Type.String())),
      title: Type.String(),
      data: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  );
  const fixture = (name: string, params: readonly ('tokens' | 'title' | 'data')[]) =>
    defineTask({
      name,
      queue: 'ext',
      description: 'Fixture.',
      params,
      kwargs,
      result: Type.Null(),
    });

  it('passes params up to the last required one, optional ones before it included', () => {
    expect(sendTaskCall(fixture('ext.push', ['tokens', 'title', 'data']))).toBe(
      "send_task('ext.push', args=[tokens, title])",
    );
    expect(sendTaskCall(fixture('ext.push', ['title', 'tokens', 'data']))).toBe(
      "send_task('ext.push', args=[title])",
    );
    expect(sendTaskCall(fixture("ext.it's", []))).toBe("send_task('ext.it\\'s')");
  });
});

describe('renderCeleryConfig', () => {
  const python = renderCeleryConfig(CATALOGUE);

  it('routes every task to its queue', () => {
    for (const { name, queue } of CATALOGUE) {
      expect(python).toContain(`    '${name}': {'queue': '${queue}'},\n`);
    }
  });

  it('declares every queue as burrow does: quorum, durable, direct exchange of the same name', () => {
    for (const queue of QUEUES) {
      expect(python).toContain(
        [
          '    kombu.Queue(',
          `        '${queue}',`,
          `        kombu.Exchange('${queue}', type='direct', durable=True),`,
          `        routing_key='${queue}',`,
          '        durable=True,',
          "        queue_arguments={'x-queue-type': 'quorum'},",
          '    ),',
        ].join('\n'),
      );
    }
    expect(python.match(/'x-queue-type': 'quorum'/g)).toHaveLength(QUEUES.length);
  });

  it('sets JSON serialisation, no implicit queues, and leaves the result backend commented', () => {
    expect(python).toMatch(/^import kombu$/m);
    expect(python).toMatch(/^task_serializer = 'json'$/m);
    expect(python).toMatch(/^accept_content = \['json'\]$/m);
    expect(python).toMatch(/^result_serializer = 'json'$/m);
    expect(python).toMatch(/^task_default_queue = 'celery'$/m);
    expect(python).toMatch(/^# result_backend = 'redis:\/\/[^']+'/m);
    expect(renderCeleryConfig(CATALOGUE)).toBe(python);
  });

  it('writes Django-namespaced settings and a real result backend on request', () => {
    const django = renderCeleryConfig(CATALOGUE, {
      namespace: 'CELERY',
      resultBackend: 'redis://redis:6379/1',
    });
    expect(django).toMatch(/^CELERY_TASK_ROUTES = \{$/m);
    expect(django).toMatch(/^CELERY_TASK_QUEUES = \($/m);
    expect(django).toMatch(/^CELERY_TASK_DEFAULT_QUEUE = 'celery'$/m);
    expect(django).toMatch(/^CELERY_RESULT_BACKEND = 'redis:\/\/redis:6379\/1'$/m);
    expect(django).not.toMatch(/^task_routes/m);
  });

  it('escapes quotes so a user task name cannot break the Python', () => {
    const odd = defineTask({
      name: "ext.it's_task",
      queue: 'ext',
      description: 'Fixture.',
      params: [],
      kwargs: Type.Object({}, { additionalProperties: false }),
      result: Type.Null(),
    });
    expect(renderCeleryConfig([odd])).toContain("    'ext.it\\'s_task': {'queue': 'ext'},");
  });
});

interface SchemaNode {
  type?: string;
  pattern?: string;
  required?: string[];
  additionalProperties?: unknown;
  properties?: Record<string, SchemaNode>;
  anyOf?: SchemaNode[];
  const?: unknown;
}

interface SchemaFile {
  params: string[];
  seedCall?: string;
  kwargs: SchemaNode;
  result: SchemaNode;
  defaults: { hardTimeLimitSeconds: number };
}

describe('renderJsonSchemas', () => {
  const files = renderJsonSchemas(CATALOGUE);
  const parse = (fileName: string) => JSON.parse(files[fileName] ?? '{}') as SchemaFile;

  it('writes one file per task, named after it', () => {
    expect(Object.keys(files)).toEqual(CATALOGUE.map((c) => `${c.name}.json`));
  });

  it('holds the task, its positional order, and kwargs and result schemas as plain JSON', () => {
    for (const contract of CATALOGUE) {
      const text = files[`${contract.name}.json`] ?? '';
      expect(text.endsWith('}\n')).toBe(true);
      expect(text).toContain('\n  "queue": ');
      const doc = JSON.parse(text) as SchemaFile;
      expect(doc).toMatchObject({
        $schema: 'http://json-schema.org/draft-07/schema#',
        $id: `burrow/${contract.name}`,
        title: contract.name,
        description: contract.description,
        queue: contract.queue,
        params: [...contract.params],
      });
      expect(doc.kwargs.type).toBe('object');
      expect(doc.kwargs.additionalProperties).toBe(false);
      expect(Object.keys(doc.kwargs.properties ?? {})).toEqual(
        Object.keys(contract.kwargs.properties),
      );
      expect(doc.result).toBeDefined();
      expect(doc.defaults.hardTimeLimitSeconds).toBe(contract.defaults.hardTimeLimitSeconds);
    }
  });

  it('keeps constraints other languages validate with', () => {
    const email = parse(`${sendEmailTask.name}.json`);
    expect(email.kwargs.required).toEqual(['to_email', 'subject', 'body']);
    expect(email.kwargs.properties?.['to_email']?.anyOf?.[0]).toMatchObject({
      type: 'string',
      maxLength: 254,
      pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$',
    });
    const sms = parse('tasks.notification_tasks.send_sms_task.json');
    expect(sms.kwargs.properties?.['phone_number']?.pattern).toBe('^\\+[1-9]\\d{6,14}$');
    const health = parse(`${systemHealthCheckTask.name}.json`);
    expect(health.params).toEqual([]);
    expect(health.seedCall).toBe('system_health_check_task()');
    expect(parse(`${sendPushNotificationTask.name}.json`)).toMatchObject({
      params: [
        'user_tokens',
        'title',
        'body',
        'data',
        'user_id',
        'image',
        'android',
        'apns',
        'webpush',
        'collapse_key',
        'ttl',
      ],
      seedCall: 'send_push_notification(user_tokens, title, body)',
    });
    expect(sms.seedCall).toBeUndefined();
    expect(health.result.properties?.['status']?.anyOf?.map((s) => s.const)).toEqual([
      'healthy',
      'degraded',
      'unhealthy',
    ]);
  });
});
