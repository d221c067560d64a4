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
  /**
   * How burrow's workers declare the task queues (their QUEUE_TYPE): `quorum` for new installs;
   * `classic` while switching over from Python workers on the classic queues Celery declared,
   * which have no arguments at all. @default 'quorum'
   */
  readonly queueType?: 'quorum' | 'classic';
}

function settingName(name: string, namespace: string): string {
  return namespace === '' ? name : `${namespace}_${name.toUpperCase()}`;
}

function queueDeclaration(queue: string, queueType: 'quorum' | 'classic'): string {
  return [
    '    kombu.Queue(',
    `        ${py(queue)},`,
    `        kombu.Exchange(${py(queue)}, type='direct', durable=True),`,
    `        routing_key=${py(queue)},`,
    '        durable=True,',
    // Classic: no arguments, as Celery declares a queue by default and as burrow then does.
    ...(queueType === 'quorum' ? ["        queue_arguments={'x-queue-type': 'quorum'},"] : []),
    '    ),',
  ].join('\n');
}

/** The comment above the queue declarations, saying which QUEUE_TYPE the file is for. */
function queuesComment(queueType: 'quorum' | 'classic'): string[] {
  return queueType === 'quorum'
    ? [
        '# Declared as burrow declares them: a different declaration is refused with 406 PRECONDITION_FAILED.',
      ]
    : [
        '# Declared as burrow declares them with QUEUE_TYPE=classic, and as Celery itself declares a queue:',
        '# classic, no arguments. For the switch-over from Python workers (docs/switch-from-celery.md); new',
        '# installs use docs/celery_config.py (quorum). A different declaration is refused with 406.',
      ];
}

/**
 * Python for a Celery 5 client (e.g. Django) that sends the catalogue's tasks to burrow: routes
 * each task name to its queue and declares the queues exactly as burrow does (quorum or, with
 * `queueType: 'classic'`, classic; durable, direct exchange named like the queue), since
 * RabbitMQ refuses a declaration with other arguments. Pure and deterministic.
 */
export function renderCeleryConfig(
  catalogue: readonly TaskContract[],
  options: CeleryConfigOptions = {},
): string {
  const namespace = options.namespace ?? '';
  const queueType = options.queueType ?? 'quorum';
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
    ...queuesComment(queueType),
    `${name('task_queues')} = (`,
    ...[...groups.keys()].map((queue) => queueDeclaration(queue, queueType)),
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
