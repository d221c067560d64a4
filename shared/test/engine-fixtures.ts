import { Type, type TProperties } from '@sinclair/typebox';
import { defineTask } from '@burrow/contracts';
import { ContinueLater, PermanentError, RetryableError, type TaskDefinition } from '../src';

export const fastRetry = { maxRetries: 2, backoffSeconds: 1, backoffMaxSeconds: 1, jitter: false };

/** One tiny task per behaviour the engine must handle, on the harness's queue. */
export function fixtures(queue: string): TaskDefinition[] {
  const task = (name: string, kwargs: TProperties, params: string[] = [], extra = {}) =>
    defineTask({
      name,
      queue,
      description: name,
      params,
      kwargs: Type.Object(kwargs, { additionalProperties: false }),
      result: Type.Unknown(),
      defaults: { retry: fastRetry, ...extra },
    });
  const runs = new Map<string, number>();
  const countRun = (taskId: string) => {
    const n = (runs.get(taskId) ?? 0) + 1;
    runs.set(taskId, n);
    return n;
  };
  return [
    {
      contract: task('t.add', { x: Type.Number(), y: Type.Number() }, ['x', 'y']),
      handler: async ({ x, y }) => (x as number) + (y as number),
    },
    {
      contract: task('t.permanent', {}),
      handler: async () =>
        Promise.reject(new PermanentError('card declined', 'declined', { excType: 'ValueError' })),
    },
    {
      contract: task('t.flaky', { failures: Type.Integer() }),
      handler: async ({ failures }, ctx) => {
        if (ctx.retries < (failures as number))
          throw new RetryableError(`flaky ${ctx.retries}`, 'flaky');
        return { attempts: ctx.retries + 1 };
      },
    },
    { contract: task('t.unimplemented', {}) },
    {
      contract: task('t.stubborn', {}, [], {
        softTimeLimitSeconds: 1,
        hardTimeLimitSeconds: 2,
        retry: { ...fastRetry, maxRetries: 0 },
      }),
      handler: () => new Promise((resolve) => setTimeout(resolve, 3_000)),
    },
    {
      contract: task('t.polite', {}, [], {
        softTimeLimitSeconds: 1,
        hardTimeLimitSeconds: 5,
        retry: { ...fastRetry, maxRetries: 0 },
      }),
      handler: (_k, ctx) =>
        new Promise((_resolve, reject) =>
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)),
        ),
    },
    {
      // Succeeds with a value JSON cannot carry.
      contract: task('t.bigint', {}),
      handler: async () => ({ n: 10n }),
    },
    {
      // A long task in three parts: pauses twice, one second each, then finishes.
      contract: task('t.paginate', {}),
      handler: async (_k, ctx) => {
        const part = countRun(ctx.taskId);
        if (part < 3) {
          throw new ContinueLater(`paused after part ${part}`, {
            afterSeconds: 1,
            progress: { part, of: 3 },
          });
        }
        return { parts: part, retries: ctx.retries };
      },
    },
    {
      // Never finishes: asks to continue every time.
      contract: task('t.forever', {}),
      handler: async (_k, ctx) => {
        throw new ContinueLater(`part ${countRun(ctx.taskId)}`, { progress: { ok: true } });
      },
    },
  ];
}

/** Celery protocol v2 properties for a hand-published message. */
export const celery = (task: string, id: string, extra: Record<string, unknown> = {}) => ({
  contentType: 'application/json',
  contentEncoding: 'utf-8',
  correlationId: id,
  headers: { task, id, retries: 0, eta: null, expires: null, ...extra },
});
