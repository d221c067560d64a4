import { Type } from '@sinclair/typebox';
import { defineTask } from '../task-contract';
import type { QueueName } from './queues';
import { E164_PATTERN, NonNegativeInteger, StringMap, UserId } from './primitives';

const queue: QueueName = 'notifications';

/** A platform override, passed to FCM as firebase-admin's AndroidConfig / ApnsConfig / WebpushConfig. */
const platformOverride = (platform: string) =>
  Type.Optional(
    Type.Record(Type.String(), Type.Unknown(), {
      description: `${platform} options in firebase-admin's form, merged over collapse_key and ttl`,
    }),
  );

export const sendPushNotificationTask = defineTask({
  name: 'tasks.notification_tasks.send_push_notification_task',
  queue,
  description:
    "Sends a push notification through FCM to the given device tokens or to the user's known devices.",
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
  kwargs: Type.Object(
    {
      user_tokens: Type.Optional(
        Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), {
          minItems: 1,
          maxItems: 10_000,
          description: 'FCM registration tokens, sent in multicasts of 500; or give user_id',
        }),
      ),
      title: Type.String({ minLength: 1, maxLength: 256 }),
      body: Type.String({ maxLength: 4000 }),
      data: Type.Optional(StringMap),
      user_id: Type.Optional(
        Type.Union(UserId.anyOf, {
          description:
            'Backend user whose registered devices receive it; used when user_tokens is absent',
        }),
      ),
      image: Type.Optional(
        Type.String({
          pattern: '^https?://\\S+$',
          maxLength: 2048,
          description: 'Image URL (http or https) shown with it',
        }),
      ),
      android: platformOverride('Android'),
      apns: platformOverride('APNs'),
      webpush: platformOverride('Web push'),
      collapse_key: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 64,
          description: 'A newer notification with the same key replaces an undelivered older one',
        }),
      ),
      ttl: Type.Optional(
        Type.Integer({
          minimum: 0,
          maximum: 2_419_200,
          description: 'Seconds FCM keeps trying an offline device (at most 28 days)',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  result: Type.Object({
    success_count: NonNegativeInteger,
    failure_count: NonNegativeInteger,
    invalid_tokens: Type.Array(Type.String(), {
      description: 'Tokens FCM reported as unregistered or invalid; the backend should forget them',
    }),
    errors: Type.Optional(
      Type.Record(Type.String(), NonNegativeInteger, {
        description:
          'Failed tokens per FCM error code, e.g. {"registration-token-not-registered": 5}',
      }),
    ),
    failed_tokens: Type.Optional(
      Type.Array(Type.Object({ token: Type.String(), error: Type.String() }), {
        description: 'Tokens not delivered for another reason than being invalid, with the code',
      }),
    ),
    invalid_tokens_reported: Type.Optional(
      Type.Boolean({ description: 'Whether the backend was told about the invalid tokens' }),
    ),
  }),
  defaults: {
    retry: { maxRetries: 5, backoffSeconds: 2, backoffMaxSeconds: 300 },
    softTimeLimitSeconds: 120,
    hardTimeLimitSeconds: 150,
  },
});

export const sendSmsTask = defineTask({
  name: 'tasks.notification_tasks.send_sms_task',
  queue,
  description: 'Sends a text message through Twilio to one E.164 phone number.',
  params: ['phone_number', 'message'],
  kwargs: Type.Object(
    {
      phone_number: Type.String({
        pattern: E164_PATTERN,
        description: 'E.164 number, e.g. +14155550123',
      }),
      message: Type.String({ minLength: 1, maxLength: 1600 }),
    },
    { additionalProperties: false },
  ),
  result: Type.Object({
    sid: Type.String({ description: 'Twilio message SID' }),
    status: Type.String({ description: 'Twilio status at submission, e.g. queued' }),
    segments: Type.Optional(
      Type.Integer({ minimum: 1, description: 'SMS segments Twilio split the message into' }),
    ),
  }),
  defaults: {
    retry: { maxRetries: 3, backoffSeconds: 5, backoffMaxSeconds: 300 },
    softTimeLimitSeconds: 30,
    hardTimeLimitSeconds: 45,
  },
});

export const processNotificationQueueTask = defineTask({
  name: 'tasks.notification_tasks.process_notification_queue_task',
  queue,
  description: 'Delivers up to batch_size pending notifications that the backend has queued.',
  params: ['batch_size'],
  kwargs: Type.Object(
    {
      batch_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    },
    { additionalProperties: false },
  ),
  result: Type.Object({
    processed: NonNegativeInteger,
    succeeded: NonNegativeInteger,
    failed: NonNegativeInteger,
    queued: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'Of the succeeded, emails handed to the email queue as send_email_task',
      }),
    ),
    remaining: Type.Optional(NonNegativeInteger),
  }),
  defaults: {
    retry: { maxRetries: 2, backoffSeconds: 10, backoffMaxSeconds: 300 },
    softTimeLimitSeconds: 240,
    hardTimeLimitSeconds: 300,
  },
});

/** Tasks of the `notifications` queue, in catalogue order. */
export const NOTIFICATION_TASKS = [
  sendPushNotificationTask,
  sendSmsTask,
  processNotificationQueueTask,
] as const;
