import { fleetRateLimiter, type RateLimiter } from '../providers/fleet-rate-limiter';
import type { FamilyDeps, FamilyServices } from '../family';
import type { NotificationsConfig } from './config';
import { SmsState } from './sms-state';
import { TwilioHttpClient } from './twilio-http-client';
import { TwilioSmsSender, type SmsSender } from './twilio-sender';

/** What notification handlers reach through `ctx.services`. */
export interface NotificationServices extends FamilyServices {
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
}

export interface NotificationServicesOptions {
  /**
   * The HTTP client the Twilio SDK sends through; tests pass one pointed at the local fake
   * (`new TwilioHttpClient({ apiOrigin })`). @default a TwilioHttpClient on the real API
   */
  readonly httpClient?: TwilioHttpClient;
}

/** Builds the Twilio client (no I/O until the first message), the fleet-wide rate and the SMS state. */
export function createNotificationServices(
  config: NotificationsConfig,
  deps: Pick<FamilyDeps, 'redis' | 'keyPrefix' | 'resultExpiresSeconds'>,
  options: NotificationServicesOptions = {},
): Promise<NotificationServices> {
  const httpClient =
    options.httpClient ?? new TwilioHttpClient({ timeoutMs: config.timeoutSeconds * 1000 });
  return Promise.resolve({
    sms: config.twilio ? new TwilioSmsSender(config.twilio, httpClient) : null,
    smsMissing: config.missing,
    smsRate: fleetRateLimiter(
      deps.redis,
      `${deps.keyPrefix}burrow-rate-twilio`,
      config.ratePerSecond,
    ),
    smsState: new SmsState(deps.redis, {
      keyPrefix: deps.keyPrefix,
      ttlSeconds: deps.resultExpiresSeconds,
    }),
    close: () => (options.httpClient ? Promise.resolve() : httpClient.close()),
  });
}
