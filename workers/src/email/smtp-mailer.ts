import nodemailer, {
  type SMTPPoolOptions,
  type SMTPTransportOptions,
  type SendMailOptions,
  type Transporter,
} from 'nodemailer';
import { describeSmtpError, type SmtpFailure } from './smtp-errors';

export interface SmtpMailerOptions {
  readonly host: string;
  readonly port: number;
  /** Empty = no authentication. */
  readonly user?: string;
  readonly password?: string;
  /** Implicit TLS from the first byte (port 465). @default false */
  readonly secure?: boolean;
  /** Refuse to send unless STARTTLS succeeds. @default false */
  readonly requireTls?: boolean;
  /** Reuse connections (a pool of `poolSize`); false opens one connection per mail. @default true */
  readonly pooled?: boolean;
  /** @default 5 */
  readonly poolSize?: number;
  /** Messages one pooled connection sends before it is replaced. @default 100 */
  readonly messagesPerConnection?: number;
  /** Connection, greeting and socket timeout. @default 30 */
  readonly timeoutSeconds?: number;
}

/** An address with an optional display name. */
export interface MailAddress {
  readonly name?: string | undefined;
  readonly address: string;
}

export interface MailAttachment {
  readonly filename: string;
  readonly content: Buffer;
  readonly contentType?: string | undefined;
}

/** One message, already validated: addresses checked, headers vetted, attachments loaded. */
export interface OutgoingMail {
  readonly from: MailAddress;
  readonly to: readonly MailAddress[];
  readonly cc?: readonly string[];
  readonly bcc?: readonly string[];
  readonly replyTo?: readonly string[];
  readonly subject: string;
  readonly text?: string | undefined;
  readonly html?: string | undefined;
  readonly headers?: Readonly<Record<string, string>>;
  readonly attachments?: readonly MailAttachment[];
  /** With angle brackets: `<task-id@domain>`. Same task, same id, so a resend is recognisable. */
  readonly messageId: string;
  /** Restricts the SMTP envelope to these recipients (a retry skips those already served). */
  readonly envelopeTo?: readonly string[];
}

export interface RejectedRecipient {
  readonly address: string;
  readonly failure: SmtpFailure;
}

export interface SendReport {
  readonly messageId: string;
  readonly accepted: string[];
  readonly rejected: RejectedRecipient[];
}

/** What handlers need from an SMTP provider; a fake in tests, nodemailer in production. */
export interface Mailer {
  /** Sends one message. Resolves when the server took it for at least one recipient. */
  send(mail: OutgoingMail, signal?: AbortSignal): Promise<SendReport>;
  /** Connects and authenticates once (health checks, start-up). */
  verify(): Promise<void>;
  close(): Promise<void>;
}

/**
 * SMTP through nodemailer with a connection pool. Nodemailer is told never to read files or
 * URLs itself: attachments arrive as bytes, so a message cannot make the worker fetch anything.
 * A send that the server refuses for every recipient rejects with nodemailer's error; read it
 * with `describeSmtpError`.
 */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(options: SmtpMailerOptions) {
    const timeoutMs = (options.timeoutSeconds ?? 30) * 1000;
    const common: SMTPTransportOptions = {
      host: options.host,
      port: options.port,
      secure: options.secure ?? false,
      requireTLS: options.requireTls ?? false,
      ...(options.user ? { auth: { user: options.user, pass: options.password ?? '' } } : {}),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      disableFileAccess: true,
      disableUrlAccess: true,
      logger: false,
      debug: false,
    };
    const pool: SMTPPoolOptions & { pool: true } = {
      ...common,
      pool: true,
      maxConnections: Math.max(1, options.poolSize ?? 5),
      maxMessages: Math.max(1, options.messagesPerConnection ?? 100),
    };
    this.transport =
      options.pooled === false
        ? nodemailer.createTransport(common)
        : nodemailer.createTransport(pool);
  }

  async send(mail: OutgoingMail, signal?: AbortSignal): Promise<SendReport> {
    const message: SendMailOptions = {
      from: mail.from,
      to: [...mail.to],
      ...(mail.cc?.length ? { cc: [...mail.cc] } : {}),
      ...(mail.bcc?.length ? { bcc: [...mail.bcc] } : {}),
      ...(mail.replyTo?.length ? { replyTo: [...mail.replyTo] } : {}),
      subject: mail.subject,
      ...(mail.text !== undefined ? { text: mail.text } : {}),
      ...(mail.html !== undefined ? { html: mail.html } : {}),
      ...(mail.headers ? { headers: { ...mail.headers } } : {}),
      ...(mail.attachments?.length
        ? {
            attachments: mail.attachments.map((a) => ({
              filename: a.filename,
              content: a.content,
              ...(a.contentType ? { contentType: a.contentType } : {}),
            })),
          }
        : {}),
      messageId: mail.messageId,
      ...(mail.envelopeTo
        ? { envelope: { from: mail.from.address, to: [...mail.envelopeTo] } }
        : {}),
      ...(signal ? { signal } : {}),
    };
    const info = (await this.transport.sendMail(message)) as {
      messageId?: string;
      accepted?: unknown[];
      rejected?: unknown[];
      rejectedErrors?: unknown[];
    };
    const accepted = (info.accepted ?? []).map(addressOf);
    const errors = info.rejectedErrors ?? [];
    const rejected = (info.rejected ?? []).map((entry, i) => {
      const address = addressOf(entry);
      const error =
        errors.find((e) => (e as { recipient?: unknown }).recipient === address) ?? errors[i];
      return { address, failure: describeSmtpError(error ?? new Error('recipient refused')) };
    });
    return { messageId: info.messageId ?? mail.messageId, accepted, rejected };
  }

  async verify(): Promise<void> {
    await this.transport.verify();
  }

  close(): Promise<void> {
    this.transport.close();
    return Promise.resolve();
  }
}

function addressOf(entry: unknown): string {
  if (typeof entry === 'string') return entry;
  const address = (entry as { address?: unknown } | null)?.address;
  return typeof address === 'string' ? address : String(entry);
}
