import twilio from 'twilio';
import type { TwilioAccount } from './config';
import type { TwilioHttpClient } from './twilio-http-client';

/** One text message as a handler asks for it. */
export interface SmsRequest {
  /** E.164 number. */
  readonly to: string;
  readonly body: string;
}

/** What Twilio answered on accepting a message. */
export interface SmsReceipt {
  readonly sid: string;
  readonly status: string;
  /** Segments Twilio split the body into, when it says. */
  readonly segments: number | null;
}

/** Sends one SMS; rejects with whatever the SDK threw (twilio-errors.ts reads it). */
export interface SmsSender {
  send(message: SmsRequest): Promise<SmsReceipt>;
  /**
   * A message with this recipient and body that Twilio created since `since`, if any: what an
   * attempt that died waiting for Twilio's answer may have sent.
   */
  findSent(message: SmsRequest, since: Date): Promise<SmsReceipt | null>;
}

/** Clock difference between a worker and Twilio that a lookup tolerates. */
const CLOCK_SKEW_MS = 60_000;

/** The Twilio Messages API through the official SDK, from a complete account setting. */
export class TwilioSmsSender implements SmsSender {
  private readonly client: twilio.Twilio;

  constructor(
    private readonly account: TwilioAccount,
    httpClient: TwilioHttpClient,
  ) {
    const { accountSid, credentials } = account;
    this.client =
      credentials.kind === 'auth_token'
        ? twilio(accountSid, credentials.authToken, { httpClient, autoRetry: false })
        : twilio(credentials.apiKey, credentials.apiSecret, {
            accountSid,
            httpClient,
            autoRetry: false,
          });
  }

  async send(message: SmsRequest): Promise<SmsReceipt> {
    const { sender, statusCallbackUrl } = this.account;
    const created = await this.client.messages.create({
      to: message.to,
      body: message.body,
      ...(sender.kind === 'from'
        ? { from: sender.from }
        : { messagingServiceSid: sender.messagingServiceSid }),
      ...(statusCallbackUrl !== '' ? { statusCallback: statusCallbackUrl } : {}),
    });
    return receiptOf(created);
  }

  async findSent(message: SmsRequest, since: Date): Promise<SmsReceipt | null> {
    // Newest first; a recipient rarely gets 20 messages in the minutes an attempt lasts.
    const recent = await this.client.messages.list({ to: message.to, limit: 20 });
    const found = recent.find(
      (m) =>
        m.body === message.body &&
        m.dateCreated instanceof Date &&
        m.dateCreated.getTime() >= since.getTime() - CLOCK_SKEW_MS,
    );
    return found ? receiptOf(found) : null;
  }
}

function receiptOf(message: { sid: string; status: string; numSegments: string }): SmsReceipt {
  const segments = Number(message.numSegments);
  return {
    sid: message.sid,
    status: message.status,
    segments: Number.isInteger(segments) && segments > 0 ? segments : null,
  };
}
