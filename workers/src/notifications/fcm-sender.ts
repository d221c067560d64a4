import { randomUUID } from 'node:crypto';
import type { Agent } from 'node:http';
import { cert, deleteApp, initializeApp, type App, type Credential } from 'firebase-admin/app';
import {
  getMessaging,
  type AndroidConfig,
  type ApnsConfig,
  type BatchResponse,
  type Messaging,
  type MulticastMessage,
  type WebpushConfig,
} from 'firebase-admin/messaging';
import { classifyTokenError, type TokenFailure } from './fcm-errors';
import type { FcmAccount } from './fcm-config';

/** One notification, as the push task and the notification queue give it. */
export interface PushContent {
  readonly title: string;
  readonly body: string;
  readonly image?: string;
  readonly data?: Readonly<Record<string, string>>;
  /** firebase-admin's AndroidConfig / ApnsConfig / WebpushConfig, merged over what burrow sets. */
  readonly android?: Readonly<Record<string, unknown>>;
  readonly apns?: Readonly<Record<string, unknown>>;
  readonly webpush?: Readonly<Record<string, unknown>>;
  /** Newer messages with the same key replace older undelivered ones (all platforms). */
  readonly collapseKey?: string;
  /** How long FCM keeps trying an offline device, in seconds (all platforms). */
  readonly ttlSeconds?: number;
}

/** What happened to one token of a multicast. */
export type TokenOutcome =
  | { readonly token: string; readonly ok: true; readonly messageId: string }
  | { readonly token: string; readonly ok: false; readonly failure: TokenFailure };

/** Sends one notification to up to FCM_MULTICAST_LIMIT tokens. */
export interface PushSender {
  /** One outcome per token, in order; rejects only when the message itself is invalid. */
  sendMulticast(tokens: readonly string[], content: PushContent): Promise<TokenOutcome[]>;
  close(): Promise<void>;
}

/**
 * What tests may swap in (the SDK's own hooks, never set from configuration): a credential
 * that needs no OAuth round trip, an agent dialling a local fake, and the SDK's HTTP/1.1
 * transport so multicasts go through that agent too.
 */
export interface FcmSenderOptions {
  readonly credential?: Credential;
  readonly httpAgent?: Agent;
  readonly legacyTransport?: boolean;
}

/**
 * FCM HTTP v1 through firebase-admin: a multicast is one request per token over one HTTP/2
 * session (the SDK's `sendEachForMulticast`). The SDK itself retries a 503 or a reset a few
 * times before it reports a token as failed; burrow's retries come on top, for the failed
 * tokens only.
 */
export class FcmPushSender implements PushSender {
  private readonly app: App;
  private readonly messaging: Messaging;

  constructor(account: FcmAccount, options: FcmSenderOptions = {}) {
    const { projectId, clientEmail, privateKey } = account.serviceAccount;
    this.app = initializeApp(
      {
        credential: options.credential ?? cert({ projectId, clientEmail, privateKey }),
        projectId: account.projectId,
        ...(options.httpAgent ? { httpAgent: options.httpAgent } : {}),
      },
      // Apps are registered globally by name; a unique one lets services be built twice.
      `burrow-fcm-${randomUUID()}`,
    );
    this.messaging = getMessaging(this.app);
    if (options.legacyTransport) this.messaging.enableLegacyHttpTransport();
  }

  async sendMulticast(tokens: readonly string[], content: PushContent): Promise<TokenOutcome[]> {
    let batch: BatchResponse;
    try {
      batch = await this.messaging.sendEachForMulticast(multicastMessage(tokens, content));
    } catch (err) {
      // An HTTP/2 session that fails midway still says what it managed before it failed.
      const pending = (err as { pendingBatchResponse?: Promise<BatchResponse> })
        .pendingBatchResponse;
      if (!pending) throw err;
      batch = await pending;
    }
    return tokens.map((token, i): TokenOutcome => {
      const response = batch.responses[i];
      if (response?.success) return { token, ok: true, messageId: response.messageId ?? '' };
      return { token, ok: false, failure: classifyTokenError(response?.error) };
    });
  }

  async close(): Promise<void> {
    await deleteApp(this.app);
  }
}

/** The SDK's multicast message: burrow's platform-wide options first, the caller's overrides over them. */
export function multicastMessage(
  tokens: readonly string[],
  content: PushContent,
  now: Date = new Date(),
): MulticastMessage {
  const { collapseKey, ttlSeconds } = content;
  const android = {
    ...(collapseKey !== undefined ? { collapseKey } : {}),
    ...(ttlSeconds !== undefined ? { ttl: ttlSeconds * 1000 } : {}),
    ...content.android,
  } as AndroidConfig;
  const apnsHeaders = {
    ...(collapseKey !== undefined ? { 'apns-collapse-id': collapseKey } : {}),
    ...(ttlSeconds !== undefined
      ? { 'apns-expiration': String(Math.floor(now.getTime() / 1000) + ttlSeconds) }
      : {}),
    ...(content.apns?.headers as Record<string, string> | undefined),
  };
  const webpushHeaders = {
    ...(ttlSeconds !== undefined ? { TTL: String(ttlSeconds) } : {}),
    ...(content.webpush?.headers as Record<string, string> | undefined),
  };
  const apns = { ...content.apns, headers: apnsHeaders } as ApnsConfig;
  const webpush = { ...content.webpush, headers: webpushHeaders } as WebpushConfig;
  return {
    tokens: [...tokens],
    notification: {
      title: content.title,
      body: content.body,
      ...(content.image !== undefined ? { imageUrl: content.image } : {}),
    },
    ...(content.data ? { data: { ...content.data } } : {}),
    ...(Object.keys(android).length > 0 ? { android } : {}),
    ...(Object.keys(apnsHeaders).length > 0 || content.apns ? { apns } : {}),
    ...(Object.keys(webpushHeaders).length > 0 || content.webpush ? { webpush } : {}),
  };
}
