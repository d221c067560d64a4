import { randomUUID } from 'node:crypto';
import { compileContract, type CompiledContract } from '@burrow/contracts';
import { PermanentError, UnroutableTaskError, type Logger, type TaskClient } from '@burrow/shared';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../api-errors';
import { mayUse } from '../api-keys';
import type { ApiMetrics } from '../api-metrics';
import { fingerprint, type IdempotencyStore } from '../idempotency';
import { parseSubmitOptions, type SubmitQuery } from '../submit-options';
import type { SubmissionStore } from '../submissions';
import type { TaskNames } from '../task-names';
import { taskUrls } from '../task-views';
import { fieldErrors } from '../validation-errors';

export interface SubmitRouteDeps {
  readonly names: TaskNames;
  readonly client: TaskClient;
  readonly submissions: SubmissionStore;
  readonly idempotency: IdempotencyStore;
  readonly metrics: ApiMetrics;
  readonly logger: Logger;
}

/** Longest Idempotency-Key accepted (Stripe's limit). */
const MAX_IDEMPOTENCY_KEY = 255;

/**
 * `POST /api/tasks/{task}`: the body is the task's kwargs, checked against its contract before
 * anything is published; scheduling options come from the query. 202 once the broker confirmed.
 */
export function registerSubmitRoute(app: FastifyInstance, deps: SubmitRouteDeps): void {
  const compiled = new Map<string, CompiledContract>(
    deps.names.catalogue.map((c) => [c.name, compileContract(c)]),
  );
  app.post<{ Params: { task: string }; Querystring: SubmitQuery }>(
    '/api/tasks/:task',
    async (request, reply) => {
      const contract = deps.names.resolve(request.params.task);
      if (!contract)
        return sendError(reply, 404, 'unknown_task', `no task named ${request.params.task}`);
      const name = contract.name;
      if (!mayUse(request.caller, name)) {
        deps.metrics.recordSubmission(name, 'forbidden');
        return sendError(reply, 403, 'task_forbidden', `this key may not submit ${name}`);
      }
      const body: unknown = request.body ?? {};
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        deps.metrics.recordSubmission(name, 'invalid');
        return sendError(
          reply,
          400,
          'invalid_arguments',
          'the body must be a JSON object of kwargs',
          [{ path: '', message: 'Expected object' }],
        );
      }
      const kwargs = body as Record<string, unknown>;
      const parsed = parseSubmitOptions(request.query);
      const prepared = compiled.get(name)!.prepare([], kwargs);
      const errors = [
        ...(prepared.ok ? [] : fieldErrors(prepared.error.reason)),
        ...(parsed.ok ? [] : parsed.errors),
      ];
      if (errors.length > 0 || !parsed.ok) {
        deps.metrics.recordSubmission(name, 'invalid');
        return sendError(reply, 400, 'invalid_arguments', `invalid arguments for ${name}`, errors);
      }
      return submit(request, reply, deps, { name, queue: contract.queue, kwargs, parsed });
    },
  );
}

async function submit(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: SubmitRouteDeps,
  task: {
    name: string;
    queue: string;
    kwargs: Record<string, unknown>;
    parsed: Extract<ReturnType<typeof parseSubmitOptions>, { ok: true }>;
  },
): Promise<FastifyReply> {
  const caller = request.caller.name;
  const header = request.headers['idempotency-key'];
  const idempotencyKey = typeof header === 'string' && header !== '' ? header : undefined;
  if (idempotencyKey !== undefined && idempotencyKey.length > MAX_IDEMPOTENCY_KEY)
    return sendError(
      reply,
      400,
      'bad_request',
      `Idempotency-Key is longer than ${MAX_IDEMPOTENCY_KEY}`,
    );
  let taskId: string = randomUUID();
  if (idempotencyKey !== undefined) {
    const reservation = await deps.idempotency.reserve(
      caller,
      idempotencyKey,
      fingerprint({ task: task.name, kwargs: task.kwargs, query: request.query }),
      taskId,
    );
    if (reservation.kind === 'conflict')
      return sendError(
        reply,
        409,
        'idempotency_key_reused',
        `Idempotency-Key was used for a different request (task ${reservation.taskId})`,
      );
    if (reservation.kind === 'replay') {
      deps.metrics.recordSubmission(task.name, 'replayed');
      const previous = await deps.submissions.get(reservation.taskId);
      return accepted(reply.header('idempotent-replayed', 'true'), reservation.taskId, task, {
        eta: previous?.eta ?? null,
        expires: previous?.expires ?? null,
      });
    }
    taskId = reservation.taskId;
  }
  const { options } = task.parsed;
  const now = Date.now();
  const eta = options.eta ?? (options.countdown ? new Date(now + options.countdown * 1000) : null);
  const expires =
    options.expires === undefined
      ? null
      : options.expires instanceof Date
        ? options.expires
        : new Date(now + options.expires * 1000);
  const times = { eta: eta?.toISOString() ?? null, expires: expires?.toISOString() ?? null };
  try {
    await deps.submissions.record({
      task_id: taskId,
      name: task.name,
      queue: task.queue,
      submitted_at: new Date(now).toISOString(),
      ...times,
      submitted_by: caller,
    });
    await deps.client.send(task.name, task.kwargs, { ...options, taskId });
  } catch (err) {
    await Promise.allSettled([
      deps.submissions.forget(taskId),
      idempotencyKey === undefined ? null : deps.idempotency.release(caller, idempotencyKey),
    ]);
    if (err instanceof UnroutableTaskError) {
      // Not the caller's fault: no worker has declared the task's queue on this broker yet.
      deps.metrics.recordSubmission(task.name, 'failed');
      deps.logger.error('task unroutable', { task: task.name, taskId, queue: err.queue });
      return sendError(reply, 503, err.code, err.message);
    }
    if (err instanceof PermanentError) {
      deps.metrics.recordSubmission(task.name, 'invalid');
      return sendError(reply, 400, err.code, err.message);
    }
    deps.metrics.recordSubmission(task.name, 'failed');
    deps.logger.error('publish failed', { task: task.name, taskId, error: (err as Error).message });
    return sendError(reply, 503, 'publish_failed', 'the broker did not confirm the task; retry');
  }
  deps.metrics.recordSubmission(task.name, 'published');
  return accepted(reply, taskId, task, times);
}

function accepted(
  reply: FastifyReply,
  taskId: string,
  task: { name: string; queue: string },
  times: { eta: string | null; expires: string | null },
): FastifyReply {
  const urls = taskUrls(taskId);
  return reply
    .code(202)
    .header('location', urls.status_url)
    .send({
      task_id: taskId,
      status: 'PENDING',
      task: task.name,
      queue: task.queue,
      ...times,
      ...urls,
    });
}
