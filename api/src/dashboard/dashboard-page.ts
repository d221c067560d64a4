import { TASK_STATES } from './task-fold';
import { escapeHtml as e } from './html';

/** The dashboard's stylesheet, served as /dashboard.css. */
export const DASHBOARD_STYLE = `
:root { color-scheme: light dark; --line: #ccc; --muted: #666; --ok: #1a7f37; --bad: #c0392b; --warn: #9a6700; }
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 90rem; padding: 0 1rem 3rem; }
header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: baseline; justify-content: space-between; border-bottom: 1px solid var(--line); }
header nav a { margin-right: .75rem; }
h1 { font-size: 1.4rem; margin: .75rem 0; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: .5rem; }
caption { text-align: left; color: var(--muted); padding: .25rem 0; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.empty { color: var(--muted); font-style: italic; }
code, pre { font-size: 13px; }
pre { background: rgba(127,127,127,.12); padding: .6rem; overflow: auto; max-height: 24rem; }
.status, .state { font-weight: 600; }
.status-online, .state-success { color: var(--ok); }
.status-lost, .state-retry, .state-started, .state-received { color: var(--warn); }
.status-offline, .state-failure, .state-revoked, .state-rejected { color: var(--bad); }
form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin: .5rem 0; }
label { display: flex; flex-direction: column; font-size: .85rem; }
input, select, button { font: inherit; padding: .2rem .45rem; }
button.danger { color: var(--bad); }
:focus-visible { outline: 3px solid #2f81f7; outline-offset: 1px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; }
#status, #action-status, #key-note { color: var(--muted); min-height: 1.4em; margin: .25rem 0; }
`;

function keyForm(): string {
  return `<form id="key-form" hidden aria-describedby="key-note">
<label for="api-key">API key<input id="api-key" name="key" type="password" autocomplete="off" required></label>
<button type="submit">Use key</button>
<button type="button" id="forget-key">Forget key</button>
</form>
<p id="key-note" role="status"></p>`;
}

function shell(title: string, attributes: string, main: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<link rel="stylesheet" href="/dashboard.css">
<script src="/dashboard.js" defer></script>
</head>
<body ${attributes}>
<header>
<h1><a href="/">burrow</a> · ${e(title)}</h1>
<nav aria-label="Sections"><a href="/#workers-heading">Workers</a><a href="/#queues-heading">Queues</a><a href="/#tasks-heading">Tasks</a><a href="/docs">API docs</a></nav>
</header>
${keyForm()}
<p id="status" role="status" aria-live="polite">Loading…</p>
<main>
${main}
</main>
</body>
</html>
`;
}

/** The front page: workers, queues, dead letters and task history, filled in by the script. */
export function renderDashboardPage(): string {
  const states = TASK_STATES.map((s) => `<option value="${s}">${s}</option>`).join('');
  return shell(
    'dashboard',
    'data-view="index"',
    `<section aria-labelledby="workers-heading"><h2 id="workers-heading">Workers</h2><div id="workers"></div></section>
<section aria-labelledby="queues-heading"><h2 id="queues-heading">Queues</h2><div id="queues"></div></section>
<section aria-labelledby="dead-heading"><h2 id="dead-heading" tabindex="-1">Dead letters</h2>
<p id="action-status" role="status" aria-live="polite"></p>
<div id="dead-letters"><p>Choose <em>Show</em> beside a queue to list its dead letters.</p></div></section>
<section aria-labelledby="tasks-heading"><h2 id="tasks-heading">Tasks</h2>
<form id="task-search" role="search" aria-label="Search task history">
<label for="search-id">Task id<input id="search-id" name="id" type="search" autocomplete="off"></label>
<label for="search-name">Name<input id="search-name" name="name" type="search" autocomplete="off"></label>
<label for="search-state">State<select id="search-state" name="state"><option value="">any</option>${states}</select></label>
<button type="submit">Search</button>
</form>
<div id="tasks"></div></section>`,
  );
}

/** One task's page: the script fills it from the result store and the history. */
export function renderTaskPage(taskId: string): string {
  return shell(
    `task ${taskId}`,
    `data-view="task" data-task-id="${e(taskId)}"`,
    `<section aria-labelledby="task-heading"><h2 id="task-heading">Task <code>${e(taskId)}</code></h2><div id="task"></div></section>`,
  );
}
