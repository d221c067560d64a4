/** The part of autocannon's API the bench uses (the package ships no types). */
export interface AutocannonOptions {
  readonly url: string;
  readonly method: 'POST';
  readonly connections: number;
  readonly amount: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: { readonly p50: number; readonly p99: number; readonly average: number };
  readonly duration: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly '2xx': number;
}

type Autocannon = (
  options: AutocannonOptions,
  done: (err: Error | null, result: AutocannonResult) => void,
) => unknown;

/** Runs one autocannon load and resolves with its summary. */
export function runAutocannon(options: AutocannonOptions): Promise<AutocannonResult> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const autocannon = require('autocannon') as Autocannon;
  return new Promise((resolve, reject) => {
    autocannon(options, (err, result) => (err ? reject(err) : resolve(result)));
  });
}
