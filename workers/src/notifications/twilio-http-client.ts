import twilio from 'twilio';
import type Response from 'twilio/lib/http/response';
import type RequestClient from 'twilio/lib/base/RequestClient';

/** The SDK's real API origin, which its resources build every URL from. */
export const TWILIO_API_ORIGIN = 'https://api.twilio.com';

/** A Twilio REST failure with the response headers the SDK's own exception drops. */
export type RestExceptionWithHeaders = InstanceType<typeof twilio.RestException> & {
  /** Lower-case response headers, e.g. `retry-after`. */
  headers?: Record<string, unknown>;
};

export interface TwilioHttpClientOptions {
  /** Socket and request timeout. @default 15000 */
  readonly timeoutMs?: number;
  /**
   * Sends every request to this origin instead of https://api.twilio.com, keeping the path.
   * For tests against a local fake (testing/fake-twilio.ts) only; no setting reaches it.
   * @default the real API
   */
  readonly apiOrigin?: string;
}

/**
 * The SDK's axios client, kept, with two changes: a failed response is turned into the SDK's
 * RestException here, where its headers are still known (Retry-After decides the retry delay),
 * and tests may point it at a local origin. The SDK's own 429 retries stay off: retries are
 * burrow's, counted and delayed through the broker.
 */
export class TwilioHttpClient extends twilio.RequestClient {
  private readonly apiOrigin: string | undefined;

  constructor(options: TwilioHttpClientOptions = {}) {
    super({ timeout: options.timeoutMs ?? 15_000, keepAlive: true, autoRetry: false });
    this.apiOrigin = options.apiOrigin?.replace(/\/+$/, '');
  }

  override async request<TData>(
    opts: RequestClient.RequestOptions<TData>,
  ): Promise<Response<TData>> {
    const uri =
      this.apiOrigin !== undefined && opts.uri.startsWith(TWILIO_API_ORIGIN)
        ? this.apiOrigin + opts.uri.slice(TWILIO_API_ORIGIN.length)
        : opts.uri;
    const response = await super.request({ ...opts, uri });
    if (response.statusCode >= 200 && response.statusCode < 300) return response;
    const error: RestExceptionWithHeaders = new twilio.RestException(response);
    error.headers = lowerCaseKeys(response.headers);
    throw error;
  }

  /** Closes the pooled keep-alive sockets, so a stopping worker leaves none open. */
  close(): Promise<void> {
    const agent = this.axios.defaults.httpsAgent as { destroy?: () => void } | undefined;
    agent?.destroy?.();
    return Promise.resolve();
  }
}

function lowerCaseKeys(headers: unknown): Record<string, unknown> {
  if (headers === null || typeof headers !== 'object') return {};
  const source =
    typeof (headers as { toJSON?: unknown }).toJSON === 'function'
      ? ((headers as { toJSON(): unknown }).toJSON() as object)
      : headers;
  return Object.fromEntries(Object.entries(source).map(([k, v]) => [k.toLowerCase(), v]));
}
