import type { KwargsOf, ResultOf, sendPushNotificationTask } from '@burrow/contracts';
import { PermanentError, RetryableError, type TaskContext } from '@burrow/shared';
import { FCM_SETUP_HINT } from './fcm-config';
import type { PushContent } from './fcm-sender';
import { maskDeviceToken } from './device-token';
import { reportInvalidTokens, userDeviceTokens } from './push-backend';
import { errorCounts, type PushTally } from './push-delivery';
import type { NotificationServices } from './services';

type Kwargs = KwargsOf<typeof sendPushNotificationTask>;
type Result = ResultOf<typeof sendPushNotificationTask>;

/** Where the Python SDK defines the exception a Python caller of FCM would catch. */
const FCM_EXCEPTION = { excType: 'FirebaseError', excModule: 'firebase_admin.exceptions' };

/**
 * tasks.notification_tasks.send_push_notification_task: one notification to the given tokens,
 * or to the devices the backend knows for `user_id`, in multicasts of up to 500. Each token's
 * settled outcome is recorded as its multicast returns, so a retry (FCM busy or failing for
 * some tokens) sends to the failed tokens only and a delivered device never gets it twice.
 * Dead tokens are reported to the backend. Bodies are never logged; tokens only masked.
 */
export async function sendPush(k: Kwargs, ctx: TaskContext<NotificationServices>): Promise<Result> {
  const { push, backend, paths } = ctx.services;
  if (!push)
    throw new PermanentError(
      `FCM is not configured on this worker: ${FCM_SETUP_HINT}`,
      'fcm_not_configured',
      FCM_EXCEPTION,
    );
  const userId = k.user_id ?? null;
  let tokens = k.user_tokens ?? null;
  if (!tokens) {
    if (userId === null)
      throw new PermanentError('give user_tokens or user_id', 'no_recipients', {
        excType: 'ValueError',
      });
    tokens = await push.devices(ctx.taskId, () =>
      userDeviceTokens(backend, paths, userId, ctx.signal),
    );
  }
  if (tokens.length === 0) {
    ctx.logger.info('push has no devices to go to', { user_id: userId });
    return { success_count: 0, failure_count: 0, invalid_tokens: [] };
  }

  const tally = await push.deliver({
    pushId: ctx.taskId,
    tokens,
    content: pushContent(k),
    signal: ctx.signal,
    onBatch: (done, total) => ctx.reportProgress({ tokens_done: done, tokens_total: total }),
  });
  const lastAttempt = ctx.retries >= ctx.maxRetries;
  const reported = await reportDeadTokens(ctx, tally, userId, lastAttempt);

  // `devices`, not `tokens`: the logger blanks any field whose name says token.
  const summary = {
    devices: tally.tokens,
    delivered: tally.delivered,
    invalid: tally.invalid.size,
    rejected: tally.rejected.size,
    pending: tally.pending.size,
    multicasts: tally.batches,
  };
  if (tally.pending.size > 0 && (!lastAttempt || tally.delivered === 0)) {
    ctx.logger.warn('push partly delivered; retrying the failed tokens only', summary);
    const codes = [...new Set([...tally.pending.values()].map((failure) => failure.code))];
    throw new RetryableError(
      `FCM did not take ${tally.pending.size} of ${tally.tokens} tokens (${codes.join(', ')}); the next attempt sends to those only`,
      `fcm_${(codes[0] ?? 'unavailable').replace(/[^a-z0-9]+/gi, '_')}`,
      FCM_EXCEPTION,
    );
  }
  if (tally.delivered === 0 && isInvalidMessage(tally))
    throw new PermanentError(
      `FCM refused the message for all ${tally.tokens} tokens as an invalid argument: check title, body, data, image and the platform overrides`,
      'fcm_invalid_argument',
      FCM_EXCEPTION,
    );
  ctx.logger.info('push sent', summary);
  return pushResult(tally, reported);
}

/** The notification as firebase-admin takes it, from the task's or a queued item's fields. */
export function pushContent(k: {
  title: string;
  body: string;
  data?: Record<string, string>;
  image?: string;
  android?: Record<string, unknown>;
  apns?: Record<string, unknown>;
  webpush?: Record<string, unknown>;
  collapse_key?: string;
  ttl?: number;
}): PushContent {
  return {
    title: k.title,
    body: k.body,
    ...(k.data ? { data: k.data } : {}),
    ...(k.image !== undefined ? { image: k.image } : {}),
    ...(k.android ? { android: k.android } : {}),
    ...(k.apns ? { apns: k.apns } : {}),
    ...(k.webpush ? { webpush: k.webpush } : {}),
    ...(k.collapse_key !== undefined ? { collapseKey: k.collapse_key } : {}),
    ...(k.ttl !== undefined ? { ttlSeconds: k.ttl } : {}),
  };
}

/** The seed's `{success_count, failure_count, invalid_tokens}` and burrow's detail beside it. */
export function pushResult(tally: PushTally, reported: boolean | null): Result {
  const failed = [
    ...[...tally.rejected].map(([token, error]) => ({ token, error })),
    ...[...tally.pending].map(([token, failure]) => ({ token, error: failure.code })),
  ];
  const errors = errorCounts(tally);
  return {
    success_count: tally.delivered,
    failure_count: tally.tokens - tally.delivered,
    invalid_tokens: [...tally.invalid.keys()],
    ...(Object.keys(errors).length > 0 ? { errors } : {}),
    ...(failed.length > 0 ? { failed_tokens: failed } : {}),
    ...(reported !== null ? { invalid_tokens_reported: reported } : {}),
  };
}

/** Every token refused as an invalid argument: the message, not the tokens, is at fault. */
function isInvalidMessage(tally: PushTally): boolean {
  return (
    tally.rejected.size === tally.tokens &&
    [...tally.rejected.values()].every((code) => code === 'invalid-argument')
  );
}

/**
 * Reports the dead tokens not reported yet. A backend that cannot take the report now makes
 * the task retry (the delivered tokens stay delivered); on the last attempt, or when the
 * backend refuses it outright, the push's result stands and says the report did not land.
 * Null when there was nothing to report.
 */
async function reportDeadTokens(
  ctx: TaskContext<NotificationServices>,
  tally: PushTally,
  userId: string | number | null,
  lastAttempt: boolean,
): Promise<boolean | null> {
  const { push, backend, paths } = ctx.services;
  if (tally.invalid.size === 0) return null;
  if (paths.invalidTokens === '') return false;
  if (tally.unreported.length === 0) return true;
  try {
    await reportInvalidTokens(
      backend,
      paths.invalidTokens,
      { pushId: ctx.taskId, userId, tokens: tally.unreported, reasons: tally.invalid },
      ctx.signal,
    );
  } catch (err) {
    if (err instanceof RetryableError && !lastAttempt) throw err;
    ctx.logger.error('invalid device tokens not reported to the backend', {
      tokens: tally.unreported.length,
      error: (err as Error).message,
    });
    return false;
  }
  await push?.markReported(ctx.taskId, tally.unreported);
  ctx.logger.info('invalid device tokens reported to the backend', {
    tokens: tally.unreported.length,
    sample: tally.unreported.slice(0, 3).map(maskDeviceToken),
  });
  return true;
}
