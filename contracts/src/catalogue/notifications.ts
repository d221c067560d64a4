import { Type } from '@sinclair/typebox';
import { defineTask } from '../task-contract';
import type { QueueName } from './queues';
import { E164_PATTERN, NonNegativeInteger, StringMap, UserId } from './primitives';

const queue: QueueName = 'notifications';

export const sendPushNotificationTask = defineTask({
  name: 'tasks.notification_tasks.send_push_notification_task',
  queue,
  description:
    "Sends a push notification through FCM to the given device tokens or to the user's known devices.",
  params: ['user_tokens', 'title', 'body', 'data', 'user_id'],
  seedCall: 'send_push_notification(user_tokens, title, body)',
  kwargs: Type.Object(
    {
      user_tokens: Type.Optional(
        Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), {
          minItems: 1,
          maxItems: 500,
          description: 'FCM registration tokens (at most 500, one multicast); or give user_id',
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
    },
    { additionalProperties: false },
  ),
  result: Type.Object({
    success_count: NonNegativeInteger,
    failure_count: NonNegativeInteger,
    invalid_tokens: Type.Array(Type.String(), {
      description: 'Tokens FCM reported as unregistered; the backend should forget them',
    }),
  }),
  defaults: {
    retry: { maxRetries: 5, backoffSeconds: 2, backoffMaxSeconds: 300 },
    softTimeLimitSeconds: 30,
    hardTimeLimitSeconds: 45,
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
