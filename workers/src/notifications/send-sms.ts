import type { KwargsOf, ResultOf, sendSmsTask } from '@burrow/contracts';
import { PermanentError, type Logger, type TaskContext } from '@burrow/shared';
import type { NotificationServices } from './services';
import { twilioTaskError } from './twilio-errors';
import type { SmsReceipt, SmsRequest } from './twilio-sender';

type Kwargs = KwargsOf<typeof sendSmsTask>;
type Result = ResultOf<typeof sendSmsTask>;

/**
 * tasks.notification_tasks.send_sms_task: one text message through Twilio. The SID Twilio
 * gives is recorded under the task id before the task returns, so a retry or a redelivery of
 * an accepted message answers with that SID and never texts the person twice. The message body
 * is never logged; the number is masked by the logger.
 */
export async function sendSms(k: Kwargs, ctx: TaskContext<NotificationServices>): Promise<Result> {
  const sent = await deliverSms(
    ctx.services,
    ctx.taskId,
    { to: k.phone_number, body: k.message },
    ctx,
  );
  return {
    sid: sent.sid,
    status: sent.status,
    ...(sent.segments !== null ? { segments: sent.segments } : {}),
  };
}

/**
 * Sends one SMS at most once per `smsId` (a task id, or a queued notification's): an id that
 * already has a SID answers with it. Throws the classified Twilio error otherwise.
 */
export async function deliverSms(
  services: NotificationServices,
  smsId: string,
  request: SmsRequest,
  { signal, logger }: { signal: AbortSignal; logger: Logger },
): Promise<SmsReceipt> {
  const { sms, smsMissing, smsRate, smsState } = services;
  const earlier = await smsState.load(smsId);
  if (earlier && 'sid' in earlier) {
    logger.info('sms already sent by an earlier attempt', { sid: earlier.sid });
    return { sid: earlier.sid, status: earlier.status, segments: null };
  }
  if (!sms)
    throw new PermanentError(
      `Twilio is not configured on this worker: set ${smsMissing.join(', ')}`,
      'twilio_not_configured',
      { excType: 'TwilioException', excModule: 'twilio.base.exceptions' },
    );

  let receipt: SmsReceipt;
  try {
    const lost = earlier ? await sms.findSent(request, earlier.since) : null;
    if (lost) {
      await smsState.record(smsId, { sid: lost.sid, status: lost.status });
      logger.warn('sms found sent by an attempt that died waiting for Twilio; not sent again', {
        sid: lost.sid,
      });
      return lost;
    }
    await smsRate.take(signal);
    await smsState.markSending(smsId);
    receipt = await sms.send(request);
  } catch (err) {
    // An answer from Twilio, even an error, means it created nothing: no lookup next time.
    if (typeof (err as { status?: unknown }).status === 'number') await smsState.clear(smsId);
    if (signal.aborted) throw err;
    const failure = twilioTaskError(err);
    logger.warn('sms not sent', {
      to: request.to,
      code: failure.code,
      retryable: failure.retryable,
      error: failure.message,
    });
    throw failure;
  }
  await smsState.record(smsId, { sid: receipt.sid, status: receipt.status });
  logger.info('sms sent', {
    to: request.to,
    sid: receipt.sid,
    status: receipt.status,
    ...(receipt.segments !== null ? { segments: receipt.segments } : {}),
  });
  return receipt;
}
