import {
  compileContract,
  processNotificationQueueTask,
  sendEmailTask,
  sendPushNotificationTask,
  sendSmsTask,
  type KwargsOf,
  type ResultOf,
} from '@burrow/contracts';
import { BurrowError, PermanentError, type TaskContext } from '@burrow/shared';
import { FCM_SETUP_HINT } from './fcm-config';
import { reportInvalidTokens, userDeviceTokens } from './push-backend';
import { deliverSms } from './send-sms';
import { pushContent, pushResult } from './send-push';
import type { NotificationServices } from './services';

type Kwargs = KwargsOf<typeof processNotificationQueueTask>;
type Result = ResultOf<typeof processNotificationQueueTask>;

/** What happened to one queued notification, as reported back to the backend. */
export interface ItemOutcome {
  readonly id: string | number;
  readonly channel: string;
  /** sent: delivered to the provider; queued: handed to the email queue; failed: not sent. */
  readonly status: 'sent' | 'queued' | 'failed';
  /** For a failure: whether a later run may succeed (the item should stay pending). */
  readonly retryable?: boolean;
  readonly error?: string;
  readonly code?: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** A queued item's payload is checked as the matching task's arguments would be. */
const CHECKS = {
  push: compileContract(sendPushNotificationTask),
  sms: compileContract(sendSmsTask),
  email: compileContract(sendEmailTask),
} as const;
type Channel = keyof typeof CHECKS;

/**
 * tasks.notification_tasks.process_notification_queue_task: takes up to `batch_size` pending
 * notifications from the backend (GET BACKEND_NOTIFICATION_QUEUE_PATH?limit=N, answering
 * `{"notifications": [{"id", "channel": "push"|"sms"|"email", …the task's arguments}],
 * "remaining": n}`), delivers them a few at a time through the same providers and fleet-wide
 * limits as the single tasks, and POSTs every item's outcome to BACKEND_NOTIFICATION_RESULTS_PATH.
 * Each item is keyed by its own id, so an item handed out twice (a run that died before its
 * report) is never sent twice. Emails go to the email queue as send_email_task.
 */
export async function processNotificationQueue(
  k: Kwargs,
  ctx: TaskContext<NotificationServices>,
): Promise<Result> {
  const { backend, paths, queueConcurrency } = ctx.services;
  const batchSize = k.batch_size ?? 100;
  const separator = paths.queuePending.includes('?') ? '&' : '?';
  const { body } = await backend.call(
    'GET',
    `${paths.queuePending}${separator}limit=${batchSize}`,
    undefined,
    { signal: ctx.signal },
  );
  const { items, remaining } = readBatch(body, paths.queuePending);
  const outcomes: ItemOutcome[] = new Array<ItemOutcome>(items.length);
  let done = 0;
  await forEachBounded(items, queueConcurrency, ctx.signal, async (item, index) => {
    outcomes[index] = await deliverItem(item, ctx);
    done += 1;
    if (done % 10 === 0 || done === items.length)
      await ctx.reportProgress({ processed: done, total: items.length });
  });

  if (items.length > 0)
    await backend.call(
      'POST',
      paths.queueResults,
      { task_id: ctx.taskId, results: outcomes },
      { signal: ctx.signal, idempotencyKey: `${ctx.taskId}:results` },
    );
  const count = (status: ItemOutcome['status']) =>
    outcomes.filter((outcome) => outcome.status === status).length;
  const result = {
    processed: items.length,
    succeeded: count('sent') + count('queued'),
    failed: count('failed'),
    queued: count('queued'),
    ...(remaining !== null ? { remaining } : {}),
  };
  ctx.logger.info('notification queue batch done', result);
  return result;
}

/** The backend's batch: `{notifications: [...], remaining}` or a bare list. */
function readBatch(
  body: unknown,
  path: string,
): { items: Record<string, unknown>[]; remaining: number | null } {
  const list = Array.isArray(body)
    ? body
    : (body as { notifications?: unknown } | null)?.notifications;
  if (!Array.isArray(list))
    throw new PermanentError(
      `backend GET ${path} answered no notification list (expected {"notifications": [...]})`,
      'bad_backend_answer',
    );
  const remaining = (body as { remaining?: unknown } | null)?.remaining;
  return {
    items: list.map((item: unknown) =>
      item !== null && typeof item === 'object' ? (item as Record<string, unknown>) : {},
    ),
    remaining: typeof remaining === 'number' && remaining >= 0 ? remaining : null,
  };
}

/** One item, never throwing: a bad or failing item is an outcome, not the batch's failure. */
async function deliverItem(
  item: Record<string, unknown>,
  ctx: TaskContext<NotificationServices>,
): Promise<ItemOutcome> {
  const { id, channel, ...fields } = item;
  const itemId = typeof id === 'string' || typeof id === 'number' ? id : null;
  const channelName = typeof channel === 'string' ? channel : String(channel);
  if (itemId === null)
    return failed(String(id), channelName, 'item has no id', 'invalid_item', false);
  if (!Object.hasOwn(CHECKS, channelName))
    return failed(
      itemId,
      channelName,
      `unknown channel ${JSON.stringify(channel)}: expected push, sms or email`,
      'invalid_item',
      false,
    );
  const key = `notification-${itemId}`;
  const logger = ctx.logger.child({ notification: itemId, channel: channelName });
  const invalid = (reason: string, code: string) =>
    failed(itemId, channelName, reason, code, false);
  try {
    switch (channelName as Channel) {
      case 'push': {
        const prepared = CHECKS.push.prepare([], fields);
        if (!prepared.ok) return invalid(prepared.error.reason, prepared.error.code);
        return await deliverPushItem(itemId, key, prepared.kwargs, ctx);
      }
      case 'sms': {
        const prepared = CHECKS.sms.prepare([], fields);
        if (!prepared.ok) return invalid(prepared.error.reason, prepared.error.code);
        const { phone_number, message } = prepared.kwargs;
        const receipt = await deliverSms(
          ctx.services,
          key,
          { to: phone_number, body: message },
          { signal: ctx.signal, logger },
        );
        return { id: itemId, channel: 'sms', status: 'sent', detail: { sid: receipt.sid } };
      }
      case 'email': {
        const prepared = CHECKS.email.prepare([], fields);
        if (!prepared.ok) return invalid(prepared.error.reason, prepared.error.code);
        // Sent as given: the email worker applies its own contract's defaults.
        const taskId = await ctx.services.tasks.send(sendEmailTask.name, fields, { taskId: key });
        return { id: itemId, channel: 'email', status: 'queued', detail: { task_id: taskId } };
      }
    }
  } catch (err) {
    ctx.signal.throwIfAborted();
    const known = err instanceof BurrowError;
    const message = err instanceof Error ? err.message : String(err);
    logger.warn('queued notification not delivered', { error: message });
    return failed(
      itemId,
      channelName,
      message,
      known ? err.code : 'error',
      known ? err.retryable : true,
    );
  }
}

type PushFields = KwargsOf<typeof sendPushNotificationTask>;

async function deliverPushItem(
  id: string | number,
  key: string,
  fields: PushFields,
  ctx: TaskContext<NotificationServices>,
): Promise<ItemOutcome> {
  const { push, backend, paths } = ctx.services;
  if (!push)
    throw new PermanentError(
      `FCM is not configured on this worker: ${FCM_SETUP_HINT}`,
      'fcm_not_configured',
    );
  const userId = fields.user_id ?? null;
  const tokens =
    fields.user_tokens ??
    (userId !== null
      ? await push.devices(key, () => userDeviceTokens(backend, paths, userId, ctx.signal))
      : null);
  if (!tokens) throw new PermanentError('give user_tokens or user_id', 'no_recipients');
  const tally =
    tokens.length === 0
      ? null
      : await push.deliver({
          pushId: key,
          tokens,
          content: pushContent(fields),
          signal: ctx.signal,
        });
  if (!tally)
    return { id, channel: 'push', status: 'sent', detail: { success_count: 0, failure_count: 0 } };
  let reported: boolean | null = null;
  if (tally.unreported.length > 0 && paths.invalidTokens !== '') {
    reported = await reportInvalidTokens(
      backend,
      paths.invalidTokens,
      { pushId: key, userId, tokens: tally.unreported, reasons: tally.invalid },
      ctx.signal,
    ).then(
      async () => {
        await push.markReported(key, tally.unreported);
        return true;
      },
      () => false,
    );
  }
  const detail = pushResult(tally, reported);
  if (tally.pending.size > 0)
    return {
      ...failed(
        id,
        'push',
        `FCM did not take ${tally.pending.size} of ${tally.tokens} tokens yet`,
        'fcm_unavailable',
        true,
      ),
      detail,
    };
  return { id, channel: 'push', status: 'sent', detail };
}

function failed(
  id: string | number,
  channel: string,
  error: string,
  code: string,
  retryable: boolean,
): ItemOutcome {
  return { id, channel, status: 'failed', retryable, error, code };
}

/** Runs `work` over `items`, at most `limit` at once, starting no new item once `signal` aborts. */
async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      signal.throwIfAborted();
      const index = next++;
      await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
