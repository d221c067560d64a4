import type { KwargsOf, ResultOf, sendSmsTask } from '@burrow/contracts';
import { PermanentError, type TaskContext } from '@burrow/shared';
import type { NotificationServices } from './services';
import { twilioTaskError } from './twilio-errors';
import type { SmsReceipt } from './twilio-sender';

type Kwargs = KwargsOf<typeof sendSmsTask>;
type Result = ResultOf<typeof sendSmsTask>;

/**
 * tasks.notification_tasks.send_sms_task: one text message through Twilio. The SID Twilio
 * gives is recorded under the task id before the task returns, so a retry or a redelivery of
 * an accepted message answers with that SID and never texts the person twice. The message body
 * is never logged; the number is masked by the logger.
 */
export async function sendSms(k: Kwargs, ctx: TaskContext<NotificationServices>): Promise<Result> {
  const { sms, smsMissing, smsRate, smsState } = ctx.services;
  const earlier = await smsState.load(ctx.taskId);
  if (earlier) {
    ctx.logger.info('sms already sent by an earlier attempt', { sid: earlier.sid });
    return { sid: earlier.sid, status: earlier.status };
  }
  if (!sms)
    throw new PermanentError(
      `Twilio is not configured on this worker: set ${smsMissing.join(', ')}`,
      'twilio_not_configured',
      { excType: 'TwilioException', excModule: 'twilio.base.exceptions' },
    );

  await smsRate.take(ctx.signal);
  let receipt: SmsReceipt;
  try {
    receipt = await sms.send({ to: k.phone_number, body: k.message });
  } catch (err) {
    const failure = twilioTaskError(err);
    ctx.logger.warn('sms not sent', {
      to: k.phone_number,
      code: failure.code,
      retryable: failure.retryable,
      error: failure.message,
    });
    throw failure;
  }
  await smsState.record(ctx.taskId, { sid: receipt.sid, status: receipt.status });
  ctx.logger.info('sms sent', {
    to: k.phone_number,
    sid: receipt.sid,
    status: receipt.status,
    ...(receipt.segments !== null ? { segments: receipt.segments } : {}),
  });
  return {
    sid: receipt.sid,
    status: receipt.status,
    ...(receipt.segments !== null ? { segments: receipt.segments } : {}),
  };
}
