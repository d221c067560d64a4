import { renderJsonSchemas } from '@burrow/contracts';
import { TERMINAL_STATES, type RedisResultStore } from '@burrow/shared';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../api-errors';
import { mayUse } from '../api-keys';
import type { ResultWaiter } from '../result-waiter';
import type { SubmissionStore } from '../submissions';
import type { TaskNames } from '../task-names';
import { resultView, statusView } from '../task-views';

/** Stores a revocation for every worker (and tells the running ones); null when unavailable. */
export type Revoke = (taskIds: readonly string[], terminate: boolean) => Promise<void>;

export interface TaskRoutesDeps {
  readonly names: TaskNames;
  readonly results: RedisResultStore;
  readonly submissions: SubmissionStore;
  readonly waiter: ResultWaiter;
  readonly revoke: Revoke | null;
  /** Longest ?wait= honoured, in seconds. */
  readonly maxWaitSeconds: number;
}

type ById = FastifyRequest<{ Params: { id: string }; Querystring: Record<string, string> }>;

/** Status, result (with long-poll), revoke, and the catalogue. */
export function registerTaskRoutes(app: FastifyInstance, deps: TaskRoutesDeps): void {
  const catalogue = catalogueView(deps.names);

  app.get('/api/tasks', (_request, reply) => reply.send(catalogue));

  app.get('/api/tasks/:id/status', async (request: ById, reply) => {
    const id = request.params.id;
    const [meta, submission] = await Promise.all([deps.results.get(id), deps.submissions.get(id)]);
    if (!meta && !submission) return unknownTask(reply, id);
    const name = meta?.name ?? submission?.name;
    if (name && !mayUse(request.caller, name)) return forbidden(reply, name);
    return statusView(id, meta, submission);
  });

  app.get('/api/tasks/:id/result', async (request: ById, reply) => {
    const id = request.params.id;
    const wait = request.query.wait === undefined ? 0 : Number(request.query.wait);
    if (!Number.isFinite(wait) || wait < 0)
      return sendError(reply, 400, 'invalid_arguments', 'wait must be seconds >= 0', [
        { path: '?wait', message: 'must be a number of seconds >= 0' },
      ]);
    const [stored, submission] = await Promise.all([
      deps.results.get(id),
      deps.submissions.get(id),
    ]);
    let meta = stored;
    if (!meta && !submission) return unknownTask(reply, id);
    const name = meta?.name ?? submission?.name;
    if (name && !mayUse(request.caller, name)) return forbidden(reply, name);
    if (wait > 0 && !(meta && TERMINAL_STATES.has(meta.status))) {
      const gone = new AbortController();
      reply.raw.once('close', () => gone.abort());
      meta = await deps.waiter.wait(id, Math.min(wait, deps.maxWaitSeconds) * 1000, gone.signal);
    }
    const done = meta !== null && TERMINAL_STATES.has(meta.status);
    if (!done) reply.code(202).header('retry-after', '1');
    return resultView(id, meta);
  });

  app.delete('/api/tasks/:id', async (request: ById, reply) => {
    const id = request.params.id;
    if (!deps.revoke)
      return sendError(
        reply,
        501,
        'not_implemented',
        'revoking tasks is not available in this build',
      );
    const [meta, submission] = await Promise.all([deps.results.get(id), deps.submissions.get(id)]);
    const name = meta?.name ?? submission?.name;
    // An id the API never saw may still be a task a Celery client sent: only a key that may use
    // every task may revoke it.
    if (name ? !mayUse(request.caller, name) : request.caller.tasks !== null)
      return name ? forbidden(reply, name) : unknownTask(reply, id);
    if (meta && TERMINAL_STATES.has(meta.status))
      return sendError(
        reply,
        409,
        'already_finished',
        `task ${id} already finished: ${meta.status}`,
      );
    const terminate = request.query.terminate === 'true' || request.query.terminate === '1';
    await deps.revoke([id], terminate);
    return reply
      .code(202)
      .send({ task_id: id, revoked: true, terminate, status: meta?.status ?? 'PENDING' });
  });
}

function unknownTask(reply: FastifyReply, id: string): FastifyReply {
  return sendError(reply, 404, 'unknown_task_id', `no task ${id} is known (or its result expired)`);
}

function forbidden(reply: FastifyReply, name: string): FastifyReply {
  return sendError(reply, 403, 'task_forbidden', `this key may not use ${name}`);
}

/** The catalogue as the JSON Schema files publish it, with each task's alias and submit path. */
function catalogueView(names: TaskNames): { tasks: Record<string, unknown>[] } {
  const files = renderJsonSchemas(names.catalogue);
  return {
    tasks: names.catalogue.map((contract) => {
      const alias = names.shortName(contract.name);
      const document = JSON.parse(files[`${contract.name}.json`] ?? '{}') as Record<
        string,
        unknown
      >;
      return {
        name: contract.name,
        alias,
        submit_url: `/api/tasks/${alias}/`,
        ...document,
      };
    }),
  };
}
