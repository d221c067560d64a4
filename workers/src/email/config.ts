import type { ConfigFragment } from '@burrow/shared';

/** What the email family reads: SMTP_*, EMAIL_* and the backend paths its tasks POST to. */
export interface EmailConfig {
  readonly smtp: {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly password: string;
    readonly secure: boolean;
    readonly requireTls: boolean;
    readonly from: string;
    readonly poolSize: number;
    readonly timeoutSeconds: number;
    readonly ratePerSecond: number;
    readonly attachmentsDir: string;
    readonly messageIdDomain: string;
  };
  readonly backend: { readonly notifyPath: string; readonly digestPath: string };
}

export const emailConfig: ConfigFragment<EmailConfig> = {
  schema: {
    smtp: {
      host: { doc: 'SMTP server host', format: String, default: 'localhost', env: 'SMTP_HOST' },
      port: { doc: 'SMTP server port', format: 'port', default: 1025, env: 'SMTP_PORT' },
      user: {
        doc: 'SMTP user; empty = no authentication',
        format: String,
        default: '',
        env: 'SMTP_USER',
      },
      password: {
        doc: 'SMTP password',
        format: String,
        default: '',
        env: 'SMTP_PASSWORD',
        sensitive: true,
      },
      secure: {
        doc: 'Implicit TLS from the first byte (port 465 style)',
        format: Boolean,
        default: false,
        env: 'SMTP_SECURE',
      },
      requireTls: {
        doc: 'Refuse to send unless STARTTLS succeeds',
        format: Boolean,
        default: false,
        env: 'SMTP_STARTTLS',
      },
      from: {
        doc: 'Sender used when a task gives none',
        format: String,
        default: 'burrow@localhost',
        env: 'SMTP_FROM',
      },
      poolSize: {
        doc: 'Pooled SMTP connections per worker',
        format: 'nat',
        default: 5,
        env: 'SMTP_POOL_SIZE',
      },
      timeoutSeconds: {
        doc: 'Connection, greeting and socket timeout of one SMTP session',
        format: 'nat',
        default: 30,
        env: 'SMTP_TIMEOUT',
      },
      ratePerSecond: {
        doc: 'Mails per second across the whole fleet (enforced in Redis); 0 = unlimited',
        format: 'nat',
        default: 0,
        env: 'SMTP_RATE_PER_SECOND',
      },
      attachmentsDir: {
        doc: 'The only directory attachments given by path may come from; empty = none allowed',
        format: String,
        default: '',
        env: 'EMAIL_ATTACHMENTS_DIR',
      },
      messageIdDomain: {
        doc: 'Domain of Message-IDs derived from task ids',
        format: String,
        default: 'burrow.local',
        env: 'EMAIL_MESSAGE_ID_DOMAIN',
      },
    },
    backend: {
      notifyPath: {
        doc: 'Backend path send_notification_to_backend POSTs to',
        format: String,
        default: '/internal/notifications/',
        env: 'BACKEND_NOTIFY_PATH',
      },
      digestPath: {
        doc: 'Backend path send_daily_digest_task POSTs to',
        format: String,
        default: '/internal/reports/daily-digest/trigger',
        env: 'BACKEND_DIGEST_PATH',
      },
    },
  },
  build: (values) => values as unknown as EmailConfig,
};
