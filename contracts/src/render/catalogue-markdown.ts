import type { TaskContract } from '../task-contract';
import { describeFields } from './describe-schema';
import { sendTaskCall } from './python-call';

/** Options of {@link renderCatalogueMarkdown}. */
export interface CatalogueMarkdownOptions {
  /** Markdown heading level of each queue's section. @default 3 */
  readonly headingLevel?: number;
}

/** Contracts grouped by queue, queues in order of first appearance, tasks in catalogue order. */
export function groupByQueue(catalogue: readonly TaskContract[]): Map<string, TaskContract[]> {
  const groups = new Map<string, TaskContract[]>();
  for (const contract of catalogue) {
    const group = groups.get(contract.queue) ?? [];
    group.push(contract);
    groups.set(contract.queue, group);
  }
  return groups;
}

/** `90 s`, `4 min`, `3 h`: whole minutes and hours read easier in a table. */
export function formatSeconds(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 120 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** Escapes a table cell: pipes (also inside code spans, as GFM requires) and line breaks. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function code(text: string): string {
  return `\`${text}\``;
}

function taskCell(contract: TaskContract): string {
  const lines = [
    code(contract.name),
    contract.description,
    `Call: ${code(sendTaskCall(contract))}`,
  ];
  if (contract.seedCall !== undefined) lines.push(`Seed call: ${code(contract.seedCall)}`);
  return lines.join('<br>');
}

function parametersCell(contract: TaskContract): string {
  if (contract.params.length === 0) return 'none';
  return describeFields(contract.kwargs, contract.params)
    .map((line, index) => `${index + 1}. ${code(line)}`)
    .join('<br>');
}

function resultCell(contract: TaskContract): string {
  return describeFields(contract.result).map(code).join('<br>');
}

function backoffCell(contract: TaskContract): string {
  const { retry } = contract.defaults;
  if (retry.maxRetries === 0) return '—';
  const jitter = retry.jitter ? ', jitter' : '';
  return `${formatSeconds(retry.backoffSeconds)} × 2ⁿ, max ${formatSeconds(retry.backoffMaxSeconds)}${jitter}`;
}

function taskRow(contract: TaskContract): string {
  const { defaults } = contract;
  const cells = [
    taskCell(contract),
    parametersCell(contract),
    resultCell(contract),
    String(defaults.retry.maxRetries),
    backoffCell(contract),
    `${formatSeconds(defaults.softTimeLimitSeconds)} / ${formatSeconds(defaults.hardTimeLimitSeconds)}`,
    defaults.expiresSeconds === null ? 'never' : formatSeconds(defaults.expiresSeconds),
  ];
  return `| ${cells.map(cell).join(' | ')} |`;
}

/** What the Call and Seed call lines of the task cells mean; printed above the tables. */
const CALL_LEGEND =
  '**Call** is the shortest `app.send_task` giving every required argument, in positional ' +
  'order; the other parameters may follow in `args` or go by name in `kwargs`. **Seed call** ' +
  'is how callers of the Python Celery service that burrow replaces call the task (a backend ' +
  '`celery_client` helper or a beat entry): its arguments are the first parameters, so those ' +
  'calls bind unchanged.';

/**
 * The task catalogue as Markdown for the README: a legend, then one section per queue with a
 * table of task names and Python calls, positional parameters (in `args` order, `?` =
 * optional), result fields and defaults. Pure and deterministic, so CI can compare it with the
 * committed README.
 */
export function renderCatalogueMarkdown(
  catalogue: readonly TaskContract[],
  options: CatalogueMarkdownOptions = {},
): string {
  const hashes = '#'.repeat(options.headingLevel ?? 3);
  const sections = [...groupByQueue(catalogue)].map(([queue, contracts]) =>
    [
      `${hashes} Queue ${code(queue)}`,
      '',
      '| Task | Parameters (positional order) | Result | Max retries | Backoff | Time limit (soft / hard) | Expires |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...contracts.map(taskRow),
    ].join('\n'),
  );
  return `${[CALL_LEGEND, ...sections].join('\n\n')}\n`;
}
