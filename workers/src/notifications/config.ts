import { ConfigError, type ConfigFragment } from '@burrow/shared';

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

/** What the notifications family reads: TWILIO_*. */
export interface NotificationsConfig {
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

export const notificationsConfig: ConfigFragment<NotificationsConfig> = {
  schema: {
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
  build: (values) => buildNotificationsConfig(values.twilio as Record<string, string | number>),
};

/**
 * No TWILIO_* credential at all means SMS is simply not set up on this worker; some but not
 * all of them is a mistake, which fails the start naming what is missing or contradictory.
 */
function buildNotificationsConfig(raw: Record<string, string | number>): NotificationsConfig {
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
