import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { TaskContract } from '../src/task-contract';
import {
  CATALOGUE,
  QUEUES,
  batchDataImportTask,
  generateReportTask,
  processNotificationQueueTask,
  processUserDataTask,
  sendBulkEmailTask,
  sendEmailTask,
  sendNotificationToBackend,
  sendPushNotificationTask,
  sendSmsTask,
  systemHealthCheckTask,
  updateExchangeRatesTask,
} from '../src/catalogue';

const EXPECTED: Record<string, readonly string[]> = {
  email: [
    'tasks.email_tasks.send_email_task',
    'tasks.email_tasks.send_bulk_email_task',
    'tasks.email_tasks.send_notification_to_backend',
    'tasks.email_tasks.send_daily_digest_task',
  ],
  notifications: [
    'tasks.notification_tasks.send_push_notification_task',
    'tasks.notification_tasks.send_sms_task',
    'tasks.notification_tasks.process_notification_queue_task',
  ],
  data_processing: [
    'tasks.data_processing_tasks.process_user_data_task',
    'tasks.data_processing_tasks.generate_report_task',
    'tasks.data_processing_tasks.batch_data_import_task',
    'tasks.data_processing_tasks.update_exchange_rates_task',
  ],
  cleanup: [
    'tasks.cleanup_tasks.cleanup_temp_files_task',
    'tasks.cleanup_tasks.cleanup_old_logs_task',
    'tasks.cleanup_tasks.system_health_check_task',
    'tasks.cleanup_tasks.daily_maintenance_task',
  ],
};

/** At least one valid kwargs object per task, as the Django backend would send it. */
const VALID: Record<string, readonly Record<string, unknown>[]> = {
  'tasks.email_tasks.send_email_task': [
    { to_email: 'ada@example.com', subject: 'Welcome', body: 'Hello Ada' },
    {
      to_email: ['ada@example.com', 'bob@example.org'],
      subject: 'Invoice',
      body: 'See attached',
      html: '<p>See attached</p>',
      from_email: 'Billing <billing@example.com>',
      reply_to: 'support@example.com',
      cc: ['boss@example.com'],
      bcc: 'audit@example.com',
      attachments: [
        {
          filename: 'invoice.pdf',
          content_base64: 'JVBERi0xLjQK',
          content_type: 'application/pdf',
        },
        { filename: 'terms.txt', path: '/srv/media/terms.txt' },
      ],
      headers: { 'X-Campaign': 'march' },
    },
  ],
  'tasks.email_tasks.send_bulk_email_task': [
    {
      recipients: [
        'a@example.com',
        { email: 'b@example.com', name: 'Bea', fields: { plan: 'pro' } },
      ],
      subject: 'Hi {{name}}',
      body: 'Your plan: {{plan}}',
    },
    { recipients: ['a@example.com'], subject: 'News', template: 'newsletter/march' },
  ],
  'tasks.email_tasks.send_notification_to_backend': [
    { event: 'user.exported', payload: { user_id: 7, file: 'exports/7.zip' } },
  ],
  'tasks.email_tasks.send_daily_digest_task': [{}, { date: '2024-02-29' }],
  'tasks.notification_tasks.send_push_notification_task': [
    {
      user_tokens: ['fcm-token-1'],
      title: 'Order shipped',
      body: 'On its way',
      data: { order: '42' },
    },
    { user_id: 42, title: 'Hi', body: '' },
    { user_id: '0b7c1d1e-2f30-4c1e-9f43-5e2c4a0e8f6b', title: 'Hi', body: 'there' },
  ],
  'tasks.notification_tasks.send_sms_task': [
    { phone_number: '+14155550123', message: 'Your code is 123456' },
  ],
  'tasks.notification_tasks.process_notification_queue_task': [{}, { batch_size: 500 }],
  'tasks.data_processing_tasks.process_user_data_task': [
    { user_id: 7 },
    { user_id: 123, data_type: 'profile_update', data: { name: 'John Doe' } },
    { user_id: '0b7c1d1e', data_type: 'account_deletion' },
    { user_id: 7, operations: ['update_statistics', 'export_data'] },
  ],
  'tasks.data_processing_tasks.generate_report_task': [
    { report_type: 'sales' },
    { report_type: 'user_activity', params: { date_from: '2024-01-01' }, format: 'xlsx' },
  ],
  'tasks.data_processing_tasks.batch_data_import_task': [
    { import_type: 'users', file_path: '/srv/imports/users.csv' },
    {
      import_type: 'products',
      url: 'https://files.example.com/products.jsonl',
      options: { format: 'jsonl', batch_size: 1000, dry_run: true },
    },
  ],
  'tasks.data_processing_tasks.update_exchange_rates_task': [{}, { base_currency: 'EUR' }],
  'tasks.cleanup_tasks.cleanup_temp_files_task': [{}, { max_age_hours: 48 }],
  'tasks.cleanup_tasks.cleanup_old_logs_task': [{}, { days_to_keep: 7 }],
  'tasks.cleanup_tasks.system_health_check_task': [{}],
  'tasks.cleanup_tasks.daily_maintenance_task': [{}],
};

/** Python 3 keywords: not usable as a task function's parameter names. */
const PYTHON_KEYWORDS = (
  'False None True and as assert async await break class continue def del elif else except ' +
  'finally for from global if import in is lambda nonlocal not or pass raise return try while ' +
  'with yield'
).split(' ');

function check(contract: TaskContract, kwargs: unknown): string[] {
  const compiled = TypeCompiler.Compile(contract.kwargs);
  return [...compiled.Errors(kwargs)].map((e) => `${e.path || '/'}: ${e.message}`);
}

describe('catalogue', () => {
  it('has the 15 task names the backend sends, each once, on its queue', () => {
    const names = CATALOGUE.map((c) => c.name);
    expect(new Set(names).size).toBe(15);
    expect([...QUEUES]).toEqual(['email', 'notifications', 'data_processing', 'cleanup']);
    for (const queue of QUEUES) {
      const onQueue = CATALOGUE.filter((c) => c.queue === queue).map((c) => c.name);
      expect(onQueue).toEqual(EXPECTED[queue]);
    }
  });

  it('names only kwargs properties as positional params, each once', () => {
    for (const contract of CATALOGUE) {
      const properties = Object.keys(contract.kwargs.properties);
      for (const param of contract.params) expect(properties).toContain(param);
      expect(new Set(contract.params).size).toBe(contract.params.length);
    }
    expect(sendEmailTask.params.slice(0, 3)).toEqual(['to_email', 'subject', 'body']);
    expect(sendSmsTask.params).toEqual(['phone_number', 'message']);
    expect(sendNotificationToBackend.params).toEqual(['event', 'payload']);
    expect(systemHealthCheckTask.params).toEqual([]);
    expect(sendPushNotificationTask.params).toEqual([
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
    ]);
    expect(processUserDataTask.params).toEqual(['user_id', 'data_type', 'data', 'operations']);
  });

  it('takes every argument positionally, under a name a Python function could have', () => {
    for (const contract of CATALOGUE) {
      expect([contract.name, [...contract.params].sort()]).toEqual([
        contract.name,
        Object.keys(contract.kwargs.properties).sort(),
      ]);
      for (const param of contract.params) {
        expect([contract.name, param, /^[a-z_][a-z0-9_]*$/.test(param)]).toEqual([
          contract.name,
          param,
          true,
        ]);
        expect(PYTHON_KEYWORDS).not.toContain(param);
      }
    }
  });

  it('closes every kwargs object, nested ones included', () => {
    const open: string[] = [];
    const visit = (schema: unknown, where: string): void => {
      if (typeof schema !== 'object' || schema === null) return;
      const s = schema as Record<string, unknown>;
      if (
        s['type'] === 'object' &&
        s['properties'] !== undefined &&
        s['additionalProperties'] !== false
      ) {
        open.push(where);
      }
      for (const [key, value] of Object.entries(s)) {
        if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${where}/${key}/${i}`));
        else visit(value, `${where}/${key}`);
      }
    };
    for (const contract of CATALOGUE) visit(contract.kwargs, contract.name);
    expect(open).toEqual([]);
  });

  it('keeps hard limits under the broker consumer timeout, soft below hard', () => {
    for (const { name, defaults } of CATALOGUE) {
      expect([name, defaults.hardTimeLimitSeconds <= 1500]).toEqual([name, true]);
      expect([name, defaults.softTimeLimitSeconds < defaults.hardTimeLimitSeconds]).toEqual([
        name,
        true,
      ]);
    }
  });

  it('lets periodic runs expire before the next one is due', () => {
    expect(systemHealthCheckTask.defaults.expiresSeconds).toBe(240);
    expect(updateExchangeRatesTask.defaults.expiresSeconds).toBe(3000);
    const daily = CATALOGUE.filter((c) =>
      /daily_digest|daily_maintenance|cleanup_temp|cleanup_old_logs/.test(c.name),
    );
    expect(daily).toHaveLength(4);
    for (const c of daily) expect(c.defaults.expiresSeconds).toBeGreaterThanOrEqual(3600);
    expect(sendEmailTask.defaults.expiresSeconds).toBeNull();
  });

  it('accepts the sample kwargs of every task', () => {
    expect(Object.keys(VALID).sort()).toEqual(CATALOGUE.map((c) => c.name).sort());
    for (const contract of CATALOGUE) {
      for (const kwargs of VALID[contract.name] ?? []) {
        expect({ task: contract.name, kwargs, errors: check(contract, kwargs) }).toEqual({
          task: contract.name,
          kwargs,
          errors: [],
        });
      }
    }
  });

  const email = { to_email: 'ada@example.com', subject: 'Hi', body: 'Hello' };
  const rejected: [string, TaskContract, unknown][] = [
    ['a malformed address', sendEmailTask, { ...email, to_email: 'ada.example.com' }],
    ['an address with spaces', sendEmailTask, { ...email, to_email: 'ada @example.com' }],
    [
      'an overlong address',
      sendEmailTask,
      { ...email, to_email: `${'a'.repeat(250)}@example.com` },
    ],
    ['a bad cc in a list', sendEmailTask, { ...email, cc: ['ok@example.com', 'nope'] }],
    ['a missing subject', sendEmailTask, { to_email: 'ada@example.com', body: 'Hello' }],
    ['an empty subject', sendEmailTask, { ...email, subject: '' }],
    ['an unknown kwarg (typo)', sendEmailTask, { ...email, html_body: '<p>Hi</p>' }],
    [
      'an attachment with both content and path',
      sendEmailTask,
      {
        ...email,
        attachments: [{ filename: 'a.txt', content_base64: 'QQ==', path: '/tmp/a.txt' }],
      },
    ],
    [
      'an attachment with neither content nor path',
      sendEmailTask,
      { ...email, attachments: [{ filename: 'a.txt' }] },
    ],
    ['no recipients', sendBulkEmailTask, { recipients: [], subject: 'Hi', body: 'x' }],
    [
      'a recipient object with a bad address',
      sendBulkEmailTask,
      { recipients: [{ email: 'bad' }], subject: 'Hi', body: 'x' },
    ],
    ['an empty event', sendNotificationToBackend, { event: '', payload: {} }],
    ['a payload that is not an object', sendNotificationToBackend, { event: 'x', payload: [1] }],
    ['a phone number without +', sendSmsTask, { phone_number: '14155550123', message: 'Hi' }],
    ['a phone number with letters', sendSmsTask, { phone_number: '+1415CALLME', message: 'Hi' }],
    ['a too short phone number', sendSmsTask, { phone_number: '+12345', message: 'Hi' }],
    ['an empty SMS', sendSmsTask, { phone_number: '+14155550123', message: '' }],
    [
      'an SMS over 1600 chars',
      sendSmsTask,
      { phone_number: '+14155550123', message: 'x'.repeat(1601) },
    ],
    ['a push without title', sendPushNotificationTask, { user_tokens: ['t'], body: 'x' }],
    [
      'non-string push data',
      sendPushNotificationTask,
      { user_tokens: ['t'], title: 'a', body: 'b', data: { n: 1 } },
    ],
    [
      'push tokens under their old name',
      sendPushNotificationTask,
      { tokens: ['t'], title: 'a', body: 'b' },
    ],
    ['an empty token list', sendPushNotificationTask, { user_tokens: [], title: 'a', body: 'b' }],
    [
      'over 10 000 tokens',
      sendPushNotificationTask,
      { user_tokens: Array.from({ length: 10_001 }, (_, i) => `t${i}`), title: 'a', body: 'b' },
    ],
    ['user data without a user', processUserDataTask, { data_type: 'activity', data: {} }],
    ['an unknown data type', processUserDataTask, { user_id: 1, data_type: 'profile' }],
    ['user data that is not an object', processUserDataTask, { user_id: 1, data: ['x'] }],
    [
      'a seed data type as a batch operation',
      processUserDataTask,
      { user_id: 1, operations: ['profile_update'] },
    ],
    ['a zero batch size', processNotificationQueueTask, { batch_size: 0 }],
    ['an unknown report format', generateReportTask, { report_type: 'sales', format: 'pdf' }],
    ['an unknown report type', generateReportTask, { report_type: 'everything' }],
    ['an ftp import url', batchDataImportTask, { import_type: 'users', url: 'ftp://x/y.csv' }],
    [
      'an unknown import option',
      batchDataImportTask,
      { import_type: 'users', file_path: '/a', options: { force: true } },
    ],
    ['a lowercase currency', updateExchangeRatesTask, { base_currency: 'usd' }],
    ['any kwarg to the health check', systemHealthCheckTask, { verbose: true }],
  ];

  it.each(rejected)('rejects %s', (_label, contract, kwargs) => {
    expect(check(contract, kwargs)).not.toEqual([]);
  });
});
