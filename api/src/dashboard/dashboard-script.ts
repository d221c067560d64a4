/**
 * The dashboard's only script, served as /dashboard.js: polls the panels every few seconds
 * (paused while the tab is hidden), keeps the API key in sessionStorage, and sends the replay
 * and purge requests. Plain ES2017 for any current browser; no build step. Kept free of
 * backticks so it can live in this string.
 */
export const DASHBOARD_SCRIPT = String.raw`'use strict';
(function () {
  var POLL_MS = 3000;
  var KEY_NAME = 'burrow-api-key';
  var body = document.body;
  var view = body.getAttribute('data-view');
  var statusLine = document.getElementById('status');
  var actionStatus = document.getElementById('action-status');
  var keyForm = document.getElementById('key-form');
  var keyInput = document.getElementById('api-key');
  var keyNote = document.getElementById('key-note');
  var needKey = false;
  var busy = false;
  var deadQueue = null;

  function storedKey() {
    try { return sessionStorage.getItem(KEY_NAME) || ''; } catch (e) { return ''; }
  }
  function say(el, text) { if (el) el.textContent = text; }

  function api(path, options) {
    options = options || {};
    var headers = { accept: 'application/json' };
    var key = storedKey();
    if (key) headers.authorization = 'Bearer ' + key;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    return fetch(path, {
      method: options.method || 'GET',
      headers: headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 401) {
          needKey = true;
          keyForm.hidden = false;
          say(keyNote, key ? 'That API key was refused; enter another.' : 'This dashboard needs an API key.');
          if (document.activeElement !== keyInput) keyInput.focus();
        }
        if (!response.ok) throw new Error(data.message || ('HTTP ' + response.status));
        needKey = false;
        return data;
      });
    });
  }

  function searchQuery() {
    var form = document.getElementById('task-search');
    if (!form) return '';
    var params = new URLSearchParams();
    ['id', 'name', 'state'].forEach(function (field) {
      var value = form.elements[field].value.trim();
      if (value) params.set(field, value);
    });
    return params.toString();
  }

  function refresh() {
    if (busy || needKey) return Promise.resolve();
    busy = true;
    var done = function () { busy = false; };
    var request = view === 'task'
      ? api('/api/dashboard/tasks/' + encodeURIComponent(body.getAttribute('data-task-id'))).then(function (data) {
          document.getElementById('task').innerHTML = data.html;
        })
      : api('/api/dashboard/panels?' + searchQuery()).then(function (data) {
          document.getElementById('workers').innerHTML = data.workers;
          document.getElementById('queues').innerHTML = data.queues;
          document.getElementById('tasks').innerHTML = data.tasks;
        });
    return request.then(function () {
      say(statusLine, 'Updated ' + new Date().toLocaleTimeString());
    }, function (err) {
      say(statusLine, 'Update failed: ' + err.message);
    }).then(done, done);
  }

  function showDeadLetters(queue, focus) {
    deadQueue = queue;
    var panel = document.getElementById('dead-letters');
    return api('/api/dashboard/dead-letters/' + encodeURIComponent(queue)).then(function (data) {
      panel.innerHTML = data.html;
      if (focus) document.getElementById('dead-heading').focus();
    }, function (err) {
      say(actionStatus, 'Cannot read dead letters of ' + queue + ': ' + err.message);
    });
  }

  function act(path, payload, describe) {
    say(actionStatus, 'Working…');
    return api(path, { method: 'POST', body: payload }).then(function (data) {
      say(actionStatus, describe(data));
      return Promise.all([refresh(), deadQueue ? showDeadLetters(deadQueue) : null]);
    }, function (err) {
      say(actionStatus, 'Failed: ' + err.message);
    });
  }

  document.addEventListener('click', function (event) {
    var button = event.target.closest ? event.target.closest('button[data-action]') : null;
    if (!button) return;
    var queue = button.getAttribute('data-queue');
    var base = '/api/dashboard/dead-letters/' + encodeURIComponent(queue);
    switch (button.getAttribute('data-action')) {
      case 'show-dead':
        showDeadLetters(queue, true);
        break;
      case 'replay':
        act(base + '/replay', { task_ids: [button.getAttribute('data-task-id')] }, function (d) {
          return 'Replayed ' + d.count + ' dead letter(s) of ' + queue + ': ' + d.task_ids.join(', ');
        });
        break;
      case 'replay-all':
        act(base + '/replay', {}, function (d) { return 'Replayed ' + d.count + ' dead letter(s) of ' + queue; });
        break;
      case 'purge':
        if (window.confirm('Delete every dead letter of ' + queue + ' for good?'))
          act(base + '/purge', {}, function (d) { return 'Purged ' + d.purged + ' dead letter(s) of ' + queue; });
        break;
    }
  });

  keyForm.addEventListener('submit', function (event) {
    event.preventDefault();
    try { sessionStorage.setItem(KEY_NAME, keyInput.value.trim()); } catch (e) { /* private mode */ }
    keyInput.value = '';
    needKey = false;
    say(keyNote, 'Key saved for this tab.');
    refresh();
  });
  document.getElementById('forget-key').addEventListener('click', function () {
    try { sessionStorage.removeItem(KEY_NAME); } catch (e) { /* private mode */ }
    say(keyNote, 'Key forgotten.');
  });

  var search = document.getElementById('task-search');
  if (search) {
    var params = new URLSearchParams(location.search);
    ['id', 'name', 'state'].forEach(function (field) {
      if (params.has(field)) search.elements[field].value = params.get(field);
    });
    search.addEventListener('submit', function (event) {
      event.preventDefault();
      var query = searchQuery();
      history.replaceState(null, '', query ? '?' + query : location.pathname);
      refresh();
    });
  }

  document.addEventListener('visibilitychange', function () { if (!document.hidden) refresh(); });
  setInterval(function () { if (!document.hidden) refresh(); }, POLL_MS);
  refresh();
})();
`;
