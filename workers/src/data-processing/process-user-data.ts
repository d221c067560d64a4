import type { KwargsOf, ResultOf, processUserDataTask } from '@burrow/contracts';
import { BurrowError, type TaskContext } from '@burrow/shared';
import type { DataProcessingServices } from './services';
import { runOperation } from './user-data-operations';

type Kwargs = KwargsOf<typeof processUserDataTask>;
type Result = ResultOf<typeof processUserDataTask>;

/**
 * tasks.data_processing_tasks.process_user_data_task: the seed's call, `(user_id, data_type,
 * data)`, checks `data` for its data_type and POSTs the outcome to the backend
 * (BACKEND_USER_DATA_PATH, API key, Idempotency-Key = task id); bad data or an unknown type is
 * a permanent error. Several batch `operations` run in order, each posted under
 * `<task id>:<operation>`: a permanent failure of one is reported in `failed` and the next
 * runs; a retryable one retries the task, and the operations already posted are recognised by
 * their keys. With neither, update_statistics runs.
 */
export async function processUserData(
  kwargs: Kwargs,
  ctx: TaskContext<DataProcessingServices>,
): Promise<Result> {
  const { user_id } = kwargs;
  if (kwargs.data_type !== undefined) {
    await post(kwargs.data_type, kwargs.data ?? {}, ctx.taskId, user_id, ctx);
    return { user_id, data_type: kwargs.data_type, completed: [kwargs.data_type], failed: [] };
  }
  const operations = kwargs.operations ?? ['update_statistics'];
  const completed: string[] = [];
  const failed: Result['failed'] = [];
  for (const operation of operations) {
    ctx.signal.throwIfAborted();
    try {
      await post(operation, kwargs.data ?? {}, `${ctx.taskId}:${operation}`, user_id, ctx);
      completed.push(operation);
    } catch (err) {
      if (!(err instanceof BurrowError) || err.retryable) throw err;
      failed.push({ operation, error: err.message });
    }
  }
  return { user_id, completed, failed };
}

async function post(
  dataType: string,
  data: Readonly<Record<string, unknown>>,
  idempotencyKey: string,
  userId: number | string,
  ctx: TaskContext<DataProcessingServices>,
): Promise<void> {
  const { backend, settings, now } = ctx.services;
  const outcome = runOperation(dataType, data, new Date(now()));
  const path = settings.userDataPath
    .replaceAll('{user_id}', encodeURIComponent(String(userId)))
    .replaceAll('{data_type}', encodeURIComponent(dataType));
  const response = await backend.call(
    'POST',
    path,
    { user_id: userId, data_type: dataType, ...outcome },
    { signal: ctx.signal, idempotencyKey },
  );
  ctx.logger.info('user data processed', { dataType, status: response.status });
}
