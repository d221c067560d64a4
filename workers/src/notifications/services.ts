import { fleetRateLimiter, type RateLimiter } from '../providers/fleet-rate-limiter';
import type { BackendClient } from '../providers/backend-client';
import type { FamilyDeps, FamilyServices } from '../family';
import type { NotificationPaths, NotificationsConfig } from './config';
import type { FcmAccount } from './fcm-config';
import type { FcmSenderOptions, PushSender } from './fcm-sender';
import { PushDelivery } from './push-delivery';
import { PushState } from './push-state';
import { SmsState } from './sms-state';
import { TwilioHttpClient } from './twilio-http-client';
import { TwilioSmsSender, type SmsSender } from './twilio-sender';

/** What notification handlers reach through `ctx.services`. */
export interface NotificationServices extends FamilyServices {
  /**
   * FCM, or null when this worker has no FCM credential: push then fails permanently, saying
   * what to set.
   */
  readonly push: PushDelivery | null;
  /**
   * Twilio, or null when this worker has no TWILIO_* credentials: send_sms_task then fails
   * permanently, naming `smsMissing`.
   */
  readonly sms: SmsSender | null;
  /** The variables SMS needs and this worker lacks (empty when `sms` is set). */
  readonly smsMissing: readonly string[];
  /** The fleet-wide SMS rate (TWILIO_RATE_PER_SECOND), shared through Redis. */
  readonly smsRate: RateLimiter;
  /** The SID each SMS task already got, so a retry or redelivery never texts twice. */
  readonly smsState: SmsState;
  readonly backend: BackendClient;
  readonly paths: NotificationPaths;
  /** Publishes the queue's email items to the email queue. */
  readonly tasks: FamilyDeps['tasks'];
  readonly queueConcurrency: number;
}

export interface NotificationServicesOptions {
  /**
   * The HTTP client the Twilio SDK sends through; tests pass one pointed at the local fake
   * (`new TwilioHttpClient({ apiOrigin })`). @default a TwilioHttpClient on the real API
   */
  readonly httpClient?: TwilioHttpClient;
  /** firebase-admin's hooks for tests: a local credential, agent and transport. */
  readonly fcm?: FcmSenderOptions;
  /** Replaces the FCM sender entirely (unit tests). */
  readonly pushSender?: PushSender;
}

/**
 * Builds the FCM and Twilio clients (no I/O until the first message), the fleet-wide rates and
 * the per-task delivery state.
 */
/** firebase-admin (~10 MB) is loaded only by workers that push: an SMS-only one never pays it. */
function newFcmSender(fcm: FcmAccount, options: NotificationServicesOptions): PushSender {
  /* eslint-disable-next-line @typescript-eslint/no-require-imports -- loading on demand is the point */
  const { FcmPushSender } = require('./fcm-sender') as typeof import('./fcm-sender');
  return new FcmPushSender(fcm, options.fcm);
}

export function createNotificationServices(
  config: NotificationsConfig,
  deps: Pick<FamilyDeps, 'redis' | 'keyPrefix' | 'resultExpiresSeconds' | 'backend' | 'tasks'>,
  options: NotificationServicesOptions = {},
): Promise<NotificationServices> {
  const httpClient =
    options.httpClient ?? new TwilioHttpClient({ timeoutMs: config.timeoutSeconds * 1000 });
  const stateOptions = { keyPrefix: deps.keyPrefix, ttlSeconds: deps.resultExpiresSeconds };
  const pushSender = options.pushSender ?? (config.fcm ? newFcmSender(config.fcm, options) : null);
  const push = pushSender
    ? new PushDelivery(
        pushSender,
        fleetRateLimiter(deps.redis, `${deps.keyPrefix}burrow-rate-fcm`, config.fcmRatePerSecond),
        new PushState(deps.redis, stateOptions),
        config.fcmRatePerSecond,
      )
    : null;
  return Promise.resolve({
    push,
    sms: config.twilio ? new TwilioSmsSender(config.twilio, httpClient) : null,
    smsMissing: config.missing,
    smsRate: fleetRateLimiter(
      deps.redis,
      `${deps.keyPrefix}burrow-rate-twilio`,
      config.ratePerSecond,
    ),
    smsState: new SmsState(deps.redis, stateOptions),
    backend: deps.backend,
    paths: config.paths,
    tasks: deps.tasks,
    queueConcurrency: config.queueConcurrency,
    close: async () => {
      await pushSender?.close();
      if (!options.httpClient) await httpClient.close();
    },
  });
}
