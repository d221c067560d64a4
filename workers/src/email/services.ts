import type { BackendClient } from '../providers/backend-client';
import { fleetRateLimiter, type RateLimiter } from '../providers/fleet-rate-limiter';
import type { FamilyDeps, FamilyServices } from '../family';
import type { EmailConfig } from './config';
import { EmailState } from './email-state';
import { SmtpMailer, type Mailer } from './smtp-mailer';

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

/** What email handlers reach through `ctx.services`. */
export interface EmailServices extends FamilyServices {
  readonly backend: BackendClient;
  /** SMTP, pooled. */
  readonly mailer: Mailer;
  /** The fleet-wide SMTP rate (SMTP_RATE_PER_SECOND), shared through Redis. */
  readonly mailRate: RateLimiter;
  /** What email tasks already sent, so retries and redeliveries continue instead of resending. */
  readonly emailState: EmailState;
  readonly email: EmailSettings;
}

/** Builds the pooled SMTP transport, the fleet-wide rate and the per-task send state. */
export function createEmailServices(config: EmailConfig, deps: FamilyDeps): Promise<EmailServices> {
  const { smtp } = config;
  const mailer = new SmtpMailer({
    host: smtp.host,
    port: smtp.port,
    user: smtp.user,
    password: smtp.password,
    secure: smtp.secure,
    requireTls: smtp.requireTls,
    poolSize: smtp.poolSize,
    timeoutSeconds: smtp.timeoutSeconds,
  });
  return Promise.resolve({
    backend: deps.backend,
    mailer,
    mailRate: fleetRateLimiter(deps.redis, `${deps.keyPrefix}burrow-rate-smtp`, smtp.ratePerSecond),
    emailState: new EmailState(deps.redis, {
      keyPrefix: deps.keyPrefix,
      ttlSeconds: deps.resultExpiresSeconds,
    }),
    email: {
      from: smtp.from,
      messageIdDomain: smtp.messageIdDomain,
      attachmentsDir: smtp.attachmentsDir,
      bulkConcurrency: Math.max(1, smtp.poolSize) * 2,
      notifyPath: config.backend.notifyPath,
      digestPath: config.backend.digestPath,
    },
    close: () => mailer.close(),
  });
}
