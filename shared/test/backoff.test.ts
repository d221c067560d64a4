import { DEFAULT_RETRY_POLICY } from '@burrow/contracts';
import { retryDelaySeconds } from '../src/engine/backoff';

describe('retryDelaySeconds', () => {
  const noJitter = { ...DEFAULT_RETRY_POLICY, jitter: false };

  it('doubles from the backoff factor like Celery autoretry', () => {
    expect(
      [0, 1, 2, 3, 4].map((r) => retryDelaySeconds({ ...noJitter, backoffSeconds: 3 }, r)),
    ).toEqual([3, 6, 12, 24, 48]);
  });

  it('caps at backoffMaxSeconds', () => {
    expect(retryDelaySeconds(noJitter, 20)).toBe(600);
  });

  it('spreads jittered delays over [1, delay] in whole seconds', () => {
    expect(retryDelaySeconds(DEFAULT_RETRY_POLICY, 5, () => 0)).toBe(1);
    expect(retryDelaySeconds(DEFAULT_RETRY_POLICY, 5, () => 0.5)).toBe(16);
    expect(retryDelaySeconds(DEFAULT_RETRY_POLICY, 5, () => 0.999)).toBe(32);
  });
});
