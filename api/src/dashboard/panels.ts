import type { DeadLetter, ResultMeta } from '@burrow/shared';
import type { WorkerDetails } from './fleet-control';
import { ago, clip, escapeHtml as e, mebibytes, perSecond, timeTag } from './html';
import type { QueueRow } from './management-api';
import type { StoredTaskEvent, TaskSummary } from './task-fold';
import { workerStatus, type WorkerBeat } from './worker-registry';

/** The dashboard's panels as HTML fragments, rendered on the server from plain data. Pure. */

const head = (...columns: string[]) =>
  `<thead><tr>${columns.map((c) => `<th scope="col">${c}</th>`).join('')}</tr></thead>`;

const empty = (columns: number, text: string) =>
  `<tr><td colspan="${columns}" class="empty">${e(text)}</td></tr>`;

export function workersTable(
  beats: readonly WorkerBeat[],
  details: ReadonlyMap<string, WorkerDetails>,
  now: number,
): string {
  const rows = beats.map((beat) => {
    const status = workerStatus(beat, now);
    const more = details.get(beat.hostname);
    const rss = beat.rssBytes ?? more?.maxRssBytes ?? null;
    return (
      `<tr data-worker="${e(beat.hostname)}"><th scope="row">${e(beat.hostname)}</th>` +
      `<td><span class="status status-${status}">${status}</span></td>` +
      `<td>${more ? e(more.queues.join(', ')) : '…'}</td>` +
      `<td class="num">${more?.concurrency ?? '…'}</td>` +
      `<td class="num">${beat.active}</td><td class="num">${beat.processed}</td>` +
      `<td class="num">${beat.rssBytes === null && more?.maxRssBytes ? 'peak ' : ''}${mebibytes(rss)}</td>` +
      `<td>${e(beat.loadavg.join(' '))}</td>` +
      `<td>${e(ago(beat.lastSeen, now))}</td></tr>`
    );
  });
  return (
    `<table><caption>Workers (from heartbeats)</caption>` +
    head(
      'Name',
      'Status',
      'Queues',
      'Concurrency',
      'In flight',
      'Processed',
      'RSS',
      'Load',
      'Last seen',
    ) +
    `<tbody>${rows.join('') || empty(9, 'No worker has sent a heartbeat yet.')}</tbody></table>`
  );
}

export function queuesTable(queues: readonly QueueRow[] | null, error: string | null): string {
  const rows = (queues ?? []).map(
    (q) =>
      `<tr data-queue="${e(q.name)}"><th scope="row">${e(q.name)}</th>` +
      `<td class="num">${q.ready}</td><td class="num">${q.unacked}</td>` +
      `<td class="num">${q.consumers}</td>` +
      `<td class="num">${perSecond(q.publishRate)}</td><td class="num">${perSecond(q.deliverRate)}</td>` +
      `<td class="num">${perSecond(q.ackRate)}</td>` +
      `<td class="num">${q.deadLetters}` +
      ` <button type="button" data-action="show-dead" data-queue="${e(q.name)}" aria-label="Show dead letters of ${e(q.name)}">Show</button></td></tr>`,
  );
  const fallback = error
    ? empty(8, `Queue statistics unavailable: ${error}`)
    : empty(8, 'No task queue is declared yet.');
  return (
    `<table><caption>Queues (RabbitMQ management API)</caption>` +
    head(
      'Queue',
      'Ready',
      'Unacked',
      'Consumers',
      'Publish/s',
      'Deliver/s',
      'Ack/s',
      'Dead letters',
    ) +
    `<tbody>${rows.join('') || fallback}</tbody></table>`
  );
}

const taskLink = (id: string) =>
  `<a href="/tasks/${encodeURIComponent(id)}"><code>${e(id)}</code></a>`;

export function tasksTable(tasks: readonly TaskSummary[]): string {
  const rows = tasks.map(
    (t) =>
      `<tr data-task="${e(t.id)}"><th scope="row">${taskLink(t.id)}</th>` +
      `<td>${e(t.name ?? '?')}</td>` +
      `<td><span class="state state-${e(t.state.toLowerCase())}">${e(t.state)}</span></td>` +
      `<td>${e(t.worker ?? '')}</td><td>${timeTag(t.receivedAt)}</td>` +
      `<td class="num">${t.runtime === null ? '' : `${t.runtime.toFixed(3)} s`}</td>` +
      `<td class="num">${t.retries}</td>` +
      `<td><code>${e(clip(t.state === 'SUCCESS' ? t.result : t.exception))}</code></td></tr>`,
  );
  return (
    `<table><caption>Task history (newest first)</caption>` +
    head(
      'Task id',
      'Name',
      'State',
      'Worker',
      'Received',
      'Runtime',
      'Retries',
      'Result or error',
    ) +
    `<tbody>${rows.join('') || empty(8, 'No task event matches.')}</tbody></table>`
  );
}

const pre = (value: unknown) =>
  `<pre>${e(typeof value === 'string' ? value : JSON.stringify(value, null, 2))}</pre>`;

/** A task's page: the result store's record first, then what its events tell. */
export function taskDetail(
  id: string,
  meta: ResultMeta | null,
  history: { summary: TaskSummary; events: readonly StoredTaskEvent[] } | null,
): string {
  const s = history?.summary;
  const state = meta?.status ?? s?.state ?? 'PENDING';
  const facts: [string, string][] = [
    ['Task id', `<code>${e(id)}</code>`],
    ['Name', e(meta?.name ?? s?.name ?? '?')],
    ['State', `<span class="state state-${e(state.toLowerCase())}">${e(state)}</span>`],
    ['Worker', e(meta?.worker ?? s?.worker ?? '')],
    ['Queue', e(meta?.queue ?? '')],
    ['Retries', String(meta?.retries ?? s?.retries ?? 0)],
    ['Received', timeTag(s?.receivedAt ?? null)],
    ['Started', timeTag(s?.startedAt ?? null)],
    ['Finished', meta?.date_done ? e(meta.date_done) : timeTag(s?.finishedAt ?? null)],
    [
      'Runtime',
      s?.runtime === null || s?.runtime === undefined ? '—' : `${s.runtime.toFixed(3)} s`,
    ],
  ];
  const parts = [
    `<dl class="facts">${facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`,
    `<h3>Arguments</h3>`,
    meta?.args || meta?.kwargs
      ? pre({ args: meta.args ?? [], kwargs: meta.kwargs ?? {} })
      : s?.args || s?.kwargs
        ? pre(`args: ${s.args ?? ''}\nkwargs: ${s.kwargs ?? ''}`)
        : '<p>Not recorded.</p>',
  ];
  if (state === 'SUCCESS')
    parts.push(`<h3>Result</h3>`, pre(meta ? meta.result : (s?.result ?? null)));
  const traceback = meta?.traceback ?? s?.traceback;
  if (state !== 'SUCCESS' && (traceback || s?.exception || meta?.result))
    parts.push(
      `<h3>Error</h3>`,
      pre(meta?.result ?? s?.exception ?? ''),
      traceback ? `<h3>Traceback</h3>${pre(traceback)}` : '',
    );
  const events = (history?.events ?? []).map(
    (ev) =>
      `<tr><td>${timeTag(ev.at)}</td><th scope="row">${e(ev.type)}</th><td>${e(ev.hostname ?? '')}</td></tr>`,
  );
  parts.push(
    `<table><caption>Events</caption>${head('Time', 'Event', 'Worker')}<tbody>${events.join('') || empty(3, 'No event recorded (task events may be off).')}</tbody></table>`,
  );
  return parts.join('\n');
}

export function deadLettersTable(
  queue: string,
  letters: readonly DeadLetter[],
  limit: number,
): string {
  const rows = letters.map(
    (l) =>
      `<tr data-dead-task="${e(l.taskId ?? '')}"><th scope="row">${l.taskId ? taskLink(l.taskId) : '(no id)'}</th>` +
      `<td>${e(l.task ?? '?')}</td><td><code>${e(l.code)}</code></td><td>${e(l.reason)}</td>` +
      `<td>${e(l.failedAt ?? '')}</td><td class="num">${l.attempts ?? ''}</td>` +
      `<td>${l.taskId ? `<button type="button" data-action="replay" data-queue="${e(queue)}" data-task-id="${e(l.taskId)}" aria-label="Replay ${e(l.taskId)}">Replay</button>` : ''}</td></tr>`,
  );
  return (
    `<table><caption>Dead letters of ${e(queue)}${letters.length >= limit ? ` (first ${limit})` : ''}</caption>` +
    head('Task id', 'Task', 'Code', 'Reason', 'Failed at', 'Attempts', 'Action') +
    `<tbody>${rows.join('') || empty(7, `${queue}.dead is empty.`)}</tbody></table>` +
    `<p class="actions"><button type="button" data-action="replay-all" data-queue="${e(queue)}">Replay all of ${e(queue)}</button> ` +
    `<button type="button" class="danger" data-action="purge" data-queue="${e(queue)}">Purge ${e(queue)}.dead</button></p>`
  );
}
