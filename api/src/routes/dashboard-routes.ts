import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../api-errors';
import type { DashboardSources } from '../dashboard/dashboard';
import { DASHBOARD_STYLE, renderDashboardPage, renderTaskPage } from '../dashboard/dashboard-page';
import { DASHBOARD_SCRIPT } from '../dashboard/dashboard-script';
import { BrokerUnavailableError } from '../dashboard/dead-letters';
import { taskQueueRows, type QueueRow } from '../dashboard/management-api';
import {
  deadLettersTable,
  queuesTable,
  taskDetail,
  tasksTable,
  workersTable,
} from '../dashboard/panels';
import { workerStatus } from '../dashboard/worker-registry';

/** Dead letters listed at once on the page (each read returns them to the queue). */
const DEAD_LETTER_PAGE = 50;

type QueueRoute = { Params: { queue: string } };
type ByQueue = FastifyRequest<QueueRoute>;

/**
 * The dashboard: its pages and assets at `/` (open, they hold no data), and the panels and
 * actions under `/api/dashboard/`, behind the API key like every /api route. The history and
 * dead letters show every task's arguments, and replay can run any task, so these routes take
 * only a key allowed every task.
 */
export function registerDashboardRoutes(
  app: FastifyInstance,
  sources: DashboardSources,
  now: () => number = Date.now,
): void {
  const index = renderDashboardPage();
  const html = (reply: FastifyReply, page: string) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page);
  app.get('/', (_request, reply) => html(reply, index));
  app.get('/tasks/:id', (request: FastifyRequest<{ Params: { id: string } }>, reply) =>
    html(reply, renderTaskPage(request.params.id)),
  );
  app.get('/dashboard.js', (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(DASHBOARD_SCRIPT),
  );
  app.get('/dashboard.css', (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(DASHBOARD_STYLE),
  );

  app.get(
    '/api/dashboard/panels',
    async (
      request: FastifyRequest<{ Querystring: { id?: string; name?: string; state?: string } }>,
    ) => {
      const [beats, queues, tasks] = await Promise.all([
        sources.workers.list(),
        sources.management
          .queues()
          .then((q): { rows: QueueRow[] | null; error: string | null } => ({
            rows: taskQueueRows(q),
            error: null,
          }))
          .catch((err: Error) => ({ rows: null, error: err.message })),
        sources.history.search(request.query),
      ]);
      const at = now();
      const alive = beats.filter((b) => workerStatus(b, at) === 'online').map((b) => b.hostname);
      return {
        workers: workersTable(beats, sources.inspector.details(alive), at),
        queues: queuesTable(queues.rows, queues.error),
        tasks: tasksTable(tasks),
        updated_at: new Date(at).toISOString(),
      };
    },
  );

  app.get(
    '/api/dashboard/tasks/:id',
    async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const id = request.params.id;
      const [meta, history] = await Promise.all([
        sources.results.get(id),
        sources.history.task(id),
      ]);
      return {
        task_id: id,
        state: meta?.status ?? history?.summary.state ?? 'PENDING',
        html: taskDetail(id, meta, history),
      };
    },
  );

  app.get<QueueRoute>(
    '/api/dashboard/dead-letters/:queue',
    { onRequest: everyTaskKey },
    async (request: ByQueue, reply) => {
      const queue = knownQueue(request, reply, sources.queues);
      if (!queue) return reply;
      return withBroker(reply, async () => {
        const letters = await sources.deadLetters.show(queue, DEAD_LETTER_PAGE);
        return {
          queue,
          count: letters.length,
          html: deadLettersTable(queue, letters, DEAD_LETTER_PAGE),
        };
      });
    },
  );

  app.post(
    '/api/dashboard/dead-letters/:queue/replay',
    {
      onRequest: everyTaskKey,
      schema: {
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: {
            task_ids: { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 1000 },
          },
        },
      },
    },
    async (
      request: FastifyRequest<{
        Params: { queue: string };
        Body: { task_ids?: string[] } | null;
      }>,
      reply,
    ) => {
      const queue = knownQueue(request, reply, sources.queues);
      if (!queue) return reply;
      return withBroker(reply, async () => {
        const replayed = await sources.deadLetters.replay(queue, request.body?.task_ids ?? []);
        return {
          queue,
          count: replayed.length,
          task_ids: replayed.map((l) => l.taskId).filter((id): id is string => id !== null),
        };
      });
    },
  );

  app.post<QueueRoute>(
    '/api/dashboard/dead-letters/:queue/purge',
    { onRequest: everyTaskKey },
    async (request: ByQueue, reply) => {
      const queue = knownQueue(request, reply, sources.queues);
      if (!queue) return reply;
      return withBroker(reply, async () => ({
        queue,
        purged: await sources.deadLetters.purge(queue),
      }));
    },
  );
}

/**
 * 403 unless the caller may use every task (runs after the /api key check set `caller`).
 */
async function everyTaskKey(
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  if (request.caller.tasks === null) return undefined;
  return sendError(
    reply,
    403,
    'dashboard_forbidden',
    `key ${request.caller.name} may not use every task, which the dashboard shows and replays`,
  );
}

/** The task queue named in the path, or a 404 sent. */
function knownQueue(
  request: FastifyRequest<{ Params: { queue: string } }>,
  reply: FastifyReply,
  queues: readonly string[],
): string | null {
  const queue = request.params.queue.replace(/\.dead$/, '');
  if (queues.includes(queue)) return queue;
  sendError(reply, 404, 'unknown_queue', `no task queue ${queue}; known: ${queues.join(', ')}`);
  return null;
}

/** Runs a broker action; 503 when the broker is away. */
async function withBroker<T>(
  reply: FastifyReply,
  action: () => Promise<T>,
): Promise<T | FastifyReply> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof BrokerUnavailableError) return sendError(reply, 503, err.code, err.message);
    throw err;
  }
}
