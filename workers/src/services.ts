import type { EmailState } from './email/email-state';
import type { BackendClient } from './providers/backend-client';
import type { RateLimiter } from './providers/fleet-rate-limiter';
import type { Mailer } from './providers/smtp-mailer';

/** A dependency the health check can time: resolves when reachable, throws otherwise. */
export type Probe = (signal: AbortSignal) => Promise<void>;

/** Settings the email handlers read; from SMTP_*, EMAIL_* and BACKEND_*_PATH. */
export interface EmailSettings {
  /** Sender when a task gives none (SMTP_FROM). */
  readonly from: string;
  /** Message-IDs are `<task-id@domain>` (EMAIL_MESSAGE_ID_DOMAIN). */
  readonly messageIdDomain: string;
  /** The only directory attachments by path may come from; empty = none (EMAIL_ATTACHMENTS_DIR). */
  readonly attachmentsDir: string;
  /** Mails one bulk task keeps in flight (twice the pool, so no connection idles). */
  readonly bulkConcurrency: number;
  /** BACKEND_NOTIFY_PATH. */
  readonly notifyPath: string;
  /** BACKEND_DIGEST_PATH. */
  readonly digestPath: string;
}

/** Collaborators handlers reach through `ctx.services`; built once in main and passed in. */
export interface WorkerServices {
  readonly backend: BackendClient;
  readonly probes: { readonly rabbitmq: Probe; readonly redis: Probe };
  readonly settings: { readonly backendHealthPaths: readonly string[] };
  /** SMTP, pooled. */
  readonly mailer: Mailer;
  /** The fleet-wide SMTP rate (SMTP_RATE_PER_SECOND), shared through Redis. */
  readonly mailRate: RateLimiter;
  /** What email tasks already sent, so retries and redeliveries continue instead of resending. */
  readonly emailState: EmailState;
  readonly email: EmailSettings;
}
