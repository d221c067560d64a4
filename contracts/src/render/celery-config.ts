import type { TaskContract } from '../task-contract';
import { groupByQueue } from './catalogue-markdown';
import { pyString as py } from './python-call';

/** Options of {@link renderCeleryConfig}. */
export interface CeleryConfigOptions {
  /**
   * Settings prefix: `'CELERY'` writes `CELERY_TASK_ROUTES` etc. for Django settings read with
   * `app.config_from_object('django.conf:settings', namespace='CELERY')`; empty writes Celery's
   * own lowercase names for a config module. @default ''
   */
  readonly namespace?: string;
  /** Redis URL to write as the result backend; without it the setting is a comment. */
  readonly resultBackend?: string;
}

function settingName(name: string, namespace: string): string {
  return namespace === '' ? name : `${namespace}_${name.toUpperCase()}`;
}

function queueDeclaration(queue: string): string {
  return [
    '    kombu.Queue(',
    `        ${py(queue)},`,
    `        kombu.Exchange(${py(queue)}, type='direct', durable=True),`,
    `        routing_key=${py(queue)},`,
    '        durable=True,',
    "        queue_arguments={'x-queue-type': 'quorum'},",
    '    ),',
  ].join('\n');
}

/**
 * Python for a Celery 5 client (e.g. Django) that sends the catalogue's tasks to burrow: routes
 * each task name to its queue and declares the queues exactly as burrow does (quorum, durable,
 * direct exchange named like the queue), since RabbitMQ refuses a declaration with other
 * arguments. Pure and deterministic.
 */
export function renderCeleryConfig(
  catalogue: readonly TaskContract[],
  options: CeleryConfigOptions = {},
): string {
  const namespace = options.namespace ?? '';
  const name = (setting: string) => settingName(setting, namespace);
  const groups = groupByQueue(catalogue);
  const routes = catalogue.map(
    (contract) => `    ${py(contract.name)}: {'queue': ${py(contract.queue)}},`,
  );
  const backend =
    options.resultBackend === undefined
      ? `# ${name('result_backend')} = 'redis://localhost:6379/0'  # the Redis burrow's workers write results to`
      : `${name('result_backend')} = ${py(options.resultBackend)}`;
  return [
    '# Celery client settings for sending tasks to burrow.',
    '# Generated from the burrow task catalogue by scripts/generate-docs.mjs; do not edit by hand.',
    '# Usage: send_task(name, args=[...], kwargs={...}); AsyncResult(task_id).get() reads the result.',
    'import kombu',
    '',
    "# Every catalogue task goes to its queue. Tasks not listed here keep Celery's default queue",
    '# ("celery"), so Python tasks of a mixed fleet still reach their Python workers.',
    `${name('task_routes')} = {`,
    ...routes,
    '}',
    '',
    '# Declared as burrow declares them: a different declaration is refused with 406 PRECONDITION_FAILED.',
    `${name('task_queues')} = (`,
    ...[...groups.keys()].map(queueDeclaration),
    ')',
    `${name('task_default_queue')} = 'celery'`,
    '',
    `${name('task_serializer')} = 'json'`,
    `${name('accept_content')} = ['json']`,
    `${name('result_serializer')} = 'json'`,
    backend,
    '',
    '# Wait for the broker to confirm each publish, as burrow publishers do.',
    `${name('broker_transport_options')} = {'confirm_publish': True}`,
    '',
  ].join('\n');
}
