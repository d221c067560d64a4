import { ConfigError, type ConfigFragment } from '@burrow/shared';
import { buildFcmAccount, fcmSchema, type FcmAccount, type FcmValues } from './fcm-config';

/** How the worker signs its Twilio requests: the account's auth token, or an API key. */
export type TwilioCredentials =
  | { readonly kind: 'auth_token'; readonly authToken: string }
  | { readonly kind: 'api_key'; readonly apiKey: string; readonly apiSecret: string };

/** Who the messages come from: a number (or alphanumeric sender id), or a Messaging Service. */
export type TwilioSender =
  | { readonly kind: 'from'; readonly from: string }
  | { readonly kind: 'messaging_service'; readonly messagingServiceSid: string };

/** A complete Twilio account setting; absent when none of TWILIO_* is set. */
export interface TwilioAccount {
  readonly accountSid: string;
  readonly credentials: TwilioCredentials;
  readonly sender: TwilioSender;
  /** TWILIO_STATUS_CALLBACK_URL, or '' for none. */
  readonly statusCallbackUrl: string;
}

/** The backend endpoints push and the notification queue use. */
export interface NotificationPaths {
  /** GET, `{user_id}` replaced: the user's registered device tokens. */
  readonly userDevices: string;
  /** POST: tokens FCM called dead, for the backend to forget; '' = not reported. */
  readonly invalidTokens: string;
  /** GET `?limit=N`: notifications the backend has queued for delivery. */
  readonly queuePending: string;
  /** POST: per-item outcomes of a queue run. */
  readonly queueResults: string;
}

/** What the notifications family reads: FCM_*, TWILIO_* and its backend paths. */
export interface NotificationsConfig {
  /**
   * Null when no FCM credential is set: the worker starts and push fails permanently, naming
   * what to set. The legacy FCM_SERVER_KEY alone fails the start instead.
   */
  readonly fcm: FcmAccount | null;
  readonly fcmRatePerSecond: number;
  readonly paths: NotificationPaths;
  /** How many queue items are delivered at once. */
  readonly queueConcurrency: number;
  /**
   * Null when no Twilio variable is set: the worker starts (push and queue tasks are
   * unaffected) and send_sms_task fails permanently, naming what is missing.
   */
  readonly twilio: TwilioAccount | null;
  /** The variables a configured account would need, for that failure's message. */
  readonly missing: readonly string[];
  readonly ratePerSecond: number;
  readonly timeoutSeconds: number;
}

/** convict format: empty, or an absolute https URL (Twilio refuses anything else). */
function optionalHttpsUrl(value: unknown): void {
  if (value === '') return;
  let parsed: URL | null = null;
  try {
    parsed = new URL(String(value));
  } catch {
    // reported below
  }
  if (parsed?.protocol !== 'https:' && parsed?.protocol !== 'http:')
    throw new Error(`must be empty or an absolute http(s) URL, got ${JSON.stringify(value)}`);
}

const leaf = (env: string, doc: string, sensitive = false) => ({
  doc,
  format: String,
  default: '',
  env,
  ...(sensitive ? { sensitive: true } : {}),
});

/** convict format: a path on the backend, starting with '/'; `allowEmpty` for optional ones. */
function backendPath(allowEmpty: boolean) {
  return (value: unknown): void => {
    if (allowEmpty && value === '') return;
    if (typeof value !== 'string' || !value.startsWith('/'))
      throw new Error(`must be a path starting with '/', got ${JSON.stringify(value)}`);
  };
}

const pathLeaf = (env: string, doc: string, fallback: string, allowEmpty = false) => ({
  doc,
  format: backendPath(allowEmpty),
  default: fallback,
  env,
});

export const notificationsConfig: ConfigFragment<NotificationsConfig> = {
  schema: {
    fcm: {
      ...fcmSchema,
      ratePerSecond: {
        doc: 'Push messages (one per device token) per second across the whole fleet, enforced in Redis; 0 = unlimited',
        format: 'nat',
        default: 0,
        env: 'FCM_RATE_PER_SECOND',
      },
    },
    paths: {
      userDevices: pathLeaf(
        'BACKEND_USER_DEVICES_PATH',
        "Backend GET answering a user's device tokens ({user_id} is replaced), for push by user_id",
        '/internal/users/{user_id}/devices',
      ),
      invalidTokens: pathLeaf(
        'BACKEND_INVALID_TOKENS_PATH',
        'Backend POST receiving the device tokens FCM reports dead; empty = not reported',
        '/internal/notifications/invalid-tokens',
        true,
      ),
      queuePending: pathLeaf(
        'BACKEND_NOTIFICATION_QUEUE_PATH',
        'Backend GET (?limit=N) answering the notifications it has queued for delivery',
        '/internal/notifications/pending',
      ),
      queueResults: pathLeaf(
        'BACKEND_NOTIFICATION_RESULTS_PATH',
        'Backend POST receiving the per-item outcomes of process_notification_queue_task',
        '/internal/notifications/results',
      ),
    },
    queueConcurrency: {
      doc: 'Notifications process_notification_queue_task delivers at once',
      format: 'nat',
      default: 10,
      env: 'NOTIFICATION_QUEUE_CONCURRENCY',
    },
    twilio: {
      accountSid: leaf('TWILIO_ACCOUNT_SID', 'Twilio account SID (AC…); empty = SMS disabled'),
      authToken: leaf(
        'TWILIO_AUTH_TOKEN',
        "The account's auth token; or give TWILIO_API_KEY and TWILIO_API_SECRET",
        true,
      ),
      apiKey: leaf('TWILIO_API_KEY', 'Twilio API key SID (SK…), instead of the auth token'),
      apiSecret: leaf('TWILIO_API_SECRET', "The API key's secret", true),
      from: leaf(
        'TWILIO_FROM',
        'Sender number (E.164) or alphanumeric id; or give TWILIO_MESSAGING_SERVICE_SID',
      ),
      messagingServiceSid: leaf(
        'TWILIO_MESSAGING_SERVICE_SID',
        'Messaging Service (MG…) that picks the sender, instead of TWILIO_FROM',
      ),
      statusCallbackUrl: {
        doc: 'URL Twilio posts delivery status changes to; empty = none',
        format: optionalHttpsUrl,
        default: '',
        env: 'TWILIO_STATUS_CALLBACK_URL',
      },
      ratePerSecond: {
        doc: 'Messages per second across the whole fleet (enforced in Redis); 0 = unlimited',
        format: 'nat',
        default: 0,
        env: 'TWILIO_RATE_PER_SECOND',
      },
      timeoutSeconds: {
        doc: 'Timeout of one Twilio API request, in seconds',
        format: 'nat',
        default: 15,
        env: 'TWILIO_TIMEOUT',
      },
    },
  },
  build: (values) => {
    const fcm = values.fcm as FcmValues & { ratePerSecond: number };
    return {
      ...buildTwilioConfig(values.twilio as Record<string, string | number>),
      fcm: buildFcmAccount(fcm),
      fcmRatePerSecond: Number(fcm.ratePerSecond),
      paths: values.paths as NotificationPaths,
      queueConcurrency: Math.max(1, Number(values.queueConcurrency)),
    };
  },
};

/**
 * No TWILIO_* credential at all means SMS is simply not set up on this worker; some but not
 * all of them is a mistake, which fails the start naming what is missing or contradictory.
 */
function buildTwilioConfig(
  raw: Record<string, string | number>,
): Pick<NotificationsConfig, 'twilio' | 'missing' | 'ratePerSecond' | 'timeoutSeconds'> {
  const text = (key: string) => String(raw[key] ?? '').trim();
  const [accountSid, authToken, apiKey, apiSecret, from, serviceSid] = [
    text('accountSid'),
    text('authToken'),
    text('apiKey'),
    text('apiSecret'),
    text('from'),
    text('messagingServiceSid'),
  ];
  const common = {
    ratePerSecond: Number(raw.ratePerSecond),
    timeoutSeconds: Number(raw.timeoutSeconds),
  };
  const anyCredential = [accountSid, authToken, apiKey, apiSecret].some((v) => v !== '');
  if (!anyCredential) {
    return {
      ...common,
      twilio: null,
      missing: [
        'TWILIO_ACCOUNT_SID',
        'TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and TWILIO_API_SECRET)',
        ...(from === '' && serviceSid === ''
          ? ['TWILIO_FROM (or TWILIO_MESSAGING_SERVICE_SID)']
          : []),
      ],
    };
  }
  const problems: string[] = [];
  if (accountSid === '') problems.push('TWILIO_ACCOUNT_SID is required');
  if (authToken !== '' && (apiKey !== '' || apiSecret !== ''))
    problems.push('give TWILIO_AUTH_TOKEN or TWILIO_API_KEY/TWILIO_API_SECRET, not both');
  else if (authToken === '' && (apiKey === '' || apiSecret === ''))
    problems.push('TWILIO_AUTH_TOKEN, or both TWILIO_API_KEY and TWILIO_API_SECRET, are required');
  if (from !== '' && serviceSid !== '')
    problems.push('give TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID, not both');
  else if (from === '' && serviceSid === '')
    problems.push('TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required');
  if (problems.length > 0) throw new ConfigError(`Twilio: ${problems.join('; ')}`);
  return {
    ...common,
    missing: [],
    twilio: {
      accountSid,
      credentials:
        authToken !== ''
          ? { kind: 'auth_token', authToken }
          : { kind: 'api_key', apiKey, apiSecret },
      sender:
        from !== ''
          ? { kind: 'from', from }
          : { kind: 'messaging_service', messagingServiceSid: serviceSid },
      statusCallbackUrl: text('statusCallbackUrl'),
    },
  };
}
