import { Type } from '@sinclair/typebox';
import { defineTask } from '../task-contract';
import type { QueueName } from './queues';
import {
  addressList,
  EmailAddress,
  IsoDate,
  JsonObject,
  Mailbox,
  NonNegativeInteger,
  StringMap,
} from './primitives';

const queue: QueueName = 'email';

const Subject = Type.String({ minLength: 1, maxLength: 998, description: 'Subject line' });

/** A file attached by content or by a path the worker can read; exactly one of the two. */
const Attachment = Type.Union([
  Type.Object(
    {
      filename: Type.String({ minLength: 1, maxLength: 255 }),
      content_base64: Type.String({ pattern: '^[A-Za-z0-9+/=\\r\\n]*$' }),
      content_type: Type.Optional(Type.String({ minLength: 3, maxLength: 255 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      filename: Type.String({ minLength: 1, maxLength: 255 }),
      path: Type.String({ minLength: 1, maxLength: 4096 }),
      content_type: Type.Optional(Type.String({ minLength: 3, maxLength: 255 })),
    },
    { additionalProperties: false },
  ),
]);

export const sendEmailTask = defineTask({
  name: 'tasks.email_tasks.send_email_task',
  queue,
  description: 'Sends one email through SMTP, with optional HTML part, copies and attachments.',
  params: [
    'to_email',
    'subject',
    'body',
    'html',
    'from_email',
    'reply_to',
    'cc',
    'bcc',
    'attachments',
    'headers',
  ],
  seedCall: 'send_email(to_email, subject, body)',
  kwargs: Type.Object(
    {
      to_email: addressList(50),
      subject: Subject,
      body: Type.String({ description: 'Plain-text body' }),
      html: Type.Optional(Type.String({ description: 'HTML alternative of the body' })),
      from_email: Type.Optional(Mailbox),
      reply_to: Type.Optional(addressList(10)),
      cc: Type.Optional(addressList(50)),
      bcc: Type.Optional(addressList(50)),
      attachments: Type.Optional(
        Type.Array(Attachment, {
          maxItems: 20,
          description: 'Each with exactly one of content_base64 or path',
        }),
      ),
      headers: Type.Optional(StringMap),
    },
    { additionalProperties: false },
  ),
  result: Type.Object({
    message_id: Type.String(),
    accepted: Type.Array(Type.String()),
    rejected: Type.Array(Type.String()),
  }),
  defaults: {
    retry: { maxRetries: 5, backoffSeconds: 5, backoffMaxSeconds: 600 },
    softTimeLimitSeconds: 60,
    hardTimeLimitSeconds: 90,
  },
});

/** A bulk recipient: a bare address, or an address with mail-merge fields. */
const BulkRecipient = Type.Union([
  EmailAddress,
  Type.Object(
    {
      email: EmailAddress,
      name: Type.Optional(Type.String({ maxLength: 200 })),
      fields: Type.Optional(StringMap),
    },
    { additionalProperties: false },
  ),
]);

export const sendBulkEmailTask = defineTask({
  name: 'tasks.email_tasks.send_bulk_email_task',
  queue,
  description:
    'Sends one message to many recipients, filling {{name}} and {{field}} placeholders per recipient.',
  params: [
    'recipients',
    'subject',
    'body',
    'html',
    'template',
    'from_email',
    'reply_to',
    'headers',
  ],
  kwargs: Type.Object(
    {
      recipients: Type.Array(BulkRecipient, { minItems: 1, maxItems: 100_000 }),
      subject: Subject,
      body: Type.Optional(Type.String({ description: 'Plain-text body; may hold placeholders' })),
      html: Type.Optional(Type.String({ description: 'HTML body; may hold placeholders' })),
      template: Type.Optional(
        Type.String({
          pattern: '^[A-Za-z0-9_./-]{1,200}$',
          description: 'Name of a stored template, used when neither body nor html is given',
        }),
      ),
      from_email: Type.Optional(Mailbox),
      reply_to: Type.Optional(addressList(10)),
      headers: Type.Optional(StringMap),
    },
    { additionalProperties: false },
  ),
  result: Type.Object({
    total: NonNegativeInteger,
    sent: NonNegativeInteger,
    failed: NonNegativeInteger,
    failures: Type.Array(Type.Object({ email: Type.String(), error: Type.String() })),
  }),
  defaults: {
    retry: { maxRetries: 2, backoffSeconds: 30, backoffMaxSeconds: 600 },
    softTimeLimitSeconds: 1380,
    hardTimeLimitSeconds: 1500,
  },
});

export const sendNotificationToBackend = defineTask({
  name: 'tasks.email_tasks.send_notification_to_backend',
  queue,
  description: 'Posts an event and its payload to the backend webhook, keyed by the task id.',
  params: ['event', 'payload'],
  kwargs: Type.Object(
    {
      event: Type.String({ minLength: 1, maxLength: 200, description: 'Event name' }),
      payload: JsonObject,
    },
    { additionalProperties: false },
  ),
  result: Type.Object({
    status_code: Type.Integer({ minimum: 100, maximum: 599 }),
    body: Type.Optional(Type.Unknown()),
  }),
  defaults: {
    retry: { maxRetries: 5, backoffSeconds: 2, backoffMaxSeconds: 300 },
    softTimeLimitSeconds: 30,
    hardTimeLimitSeconds: 45,
  },
});

export const sendDailyDigestTask = defineTask({
  name: 'tasks.email_tasks.send_daily_digest_task',
  queue,
  description:
    "Emails each subscribed user the digest of a day's activity (the date, default yesterday UTC).",
  params: ['date'],
  seedCall: 'send_daily_digest_task()',
  kwargs: Type.Object(
    {
      date: Type.Optional(IsoDate),
    },
    { additionalProperties: false },
  ),
  result: JsonObject,
  defaults: {
    retry: { maxRetries: 2, backoffSeconds: 60, backoffMaxSeconds: 600 },
    softTimeLimitSeconds: 1200,
    hardTimeLimitSeconds: 1500,
    expiresSeconds: 4 * 3600,
  },
});

/** Tasks of the `email` queue, in catalogue order. */
export const EMAIL_TASKS = [
  sendEmailTask,
  sendBulkEmailTask,
  sendNotificationToBackend,
  sendDailyDigestTask,
] as const;
