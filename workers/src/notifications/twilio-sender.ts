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
}

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
    const segments = Number(created.numSegments);
    return {
      sid: created.sid,
      status: created.status,
      segments: Number.isInteger(segments) && segments > 0 ? segments : null,
    };
  }
}
