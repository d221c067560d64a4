import { CATALOGUE } from '@burrow/contracts';
import { ConfigError, type ResultMeta } from '@burrow/shared';
import {
  KeyRing,
  TASK_ALIASES,
  TaskNames,
  fieldErrors,
  fingerprint,
  hashKey,
  loadApiConfig,
  parseKeys,
  parseSubmitOptions,
  renderDocsPage,
  renderOpenApi,
} from '@burrow/api';
import { resultView, statusView } from '../src/task-views';

describe('task names', () => {
  const names = new TaskNames();

  it('gives every catalogue task exactly one alias', () => {
    const aliased = new Set(Object.values(TASK_ALIASES));
    expect(CATALOGUE.filter((c) => !aliased.has(c.name)).map((c) => c.name)).toEqual([]);
    expect(aliased.size).toBe(Object.keys(TASK_ALIASES).length);
  });

  it('resolves aliases and full names, and nothing from Object.prototype', () => {
    expect(names.resolve('email')?.name).toBe('tasks.email_tasks.send_email_task');
    expect(names.resolve('tasks.email_tasks.send_email_task')?.name).toBe(
      'tasks.email_tasks.send_email_task',
    );
    expect(names.resolve('constructor')).toBeUndefined();
    expect(names.resolve('__proto__')).toBeUndefined();
    expect(names.shortName('tasks.data_processing_tasks.process_user_data_task')).toBe('user-data');
  });
});

describe('fieldErrors', () => {
  it('splits a contract refusal into paths and messages, without repeats', () => {
    expect(
      fieldErrors(
        'invalid arguments for tasks.x: /body: Expected required property; /extra: Unexpected property; /body: Expected required property; (kwargs): Expected object',
      ),
    ).toEqual([
      { path: '/body', message: 'Expected required property' },
      { path: '/extra', message: 'Unexpected property' },
      { path: '', message: 'Expected object' },
    ]);
  });

  it('keeps an unexpected reason whole, at the root', () => {
    expect(fieldErrors('something else')).toEqual([{ path: '', message: 'something else' }]);
  });
});

describe('parseSubmitOptions', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads countdown, eta and expires', () => {
    expect(parseSubmitOptions({ countdown: '10', expires: '60' }, now)).toEqual({
      ok: true,
      options: { countdown: 10, expires: 60 },
    });
    const parsed = parseSubmitOptions(
      { eta: '2026-01-01T01:00:00Z', expires: '2026-01-02T00:00:00+00:00' },
      now,
    );
    expect(parsed.ok && parsed.options.eta?.toISOString()).toBe('2026-01-01T01:00:00.000Z');
    expect(parsed.ok && (parsed.options.expires as Date).toISOString()).toBe(
      '2026-01-02T00:00:00.000Z',
    );
  });

  it('names each bad option', () => {
    const parsed = parseSubmitOptions(
      { countdown: 'soon', eta: '1', expires: '2025-01-01T00:00:00Z' },
      now,
    );
    expect(parsed.ok ? [] : parsed.errors.map((e) => e.path)).toEqual([
      '?countdown',
      '?eta',
      '?expires',
    ]);
    const both = parseSubmitOptions({ countdown: '1', eta: '2026-01-01T01:00:00Z' }, now);
    expect(both.ok).toBe(false);
  });
});

describe('API config', () => {
  const names = new TaskNames();
  const sha = hashKey('k');

  it('refuses to start with no keys unless anonymous access is asked for', () => {
    expect(() => loadApiConfig({})).toThrow(/API_KEYS: no API keys configured/);
    expect(loadApiConfig({ API_ALLOW_ANONYMOUS: 'true' })).toMatchObject({
      port: 5555,
      allowAnonymous: true,
      keys: [],
    });
    expect(() => loadApiConfig({ API_ALLOW_ANONYMOUS: 'true', API_PORT: 'x' })).toThrow(/API_PORT/);
  });

  it('parses keys, resolving aliases and defaulting the burst', () => {
    expect(
      parseKeys(
        JSON.stringify([
          { name: 'a', sha256: sha.toUpperCase(), tasks: ['email'], ratePerSecond: 2.5 },
        ]),
        names,
      ),
    ).toEqual([
      {
        name: 'a',
        sha256: sha,
        tasks: ['tasks.email_tasks.send_email_task'],
        ratePerSecond: 2.5,
        burst: 3,
      },
    ]);
    expect(
      parseKeys(JSON.stringify([{ name: 'b', sha256: sha, tasks: ['*'] }]), names)[0]?.tasks,
    ).toBeNull();
  });

  it.each([
    ['not json', /not JSON/],
    ['{}', /JSON array/],
    ['[{"name":"a","sha256":"abc"}]', /API_KEYS\[0\]: sha256/],
    [`[{"name":"a","sha256":"${sha}","tasks":["nope"]}]`, /unknown task "nope"/],
    [`[{"name":"a","sha256":"${sha}","key":"plain"}]`, /unknown field key/],
    [`[{"name":"a","sha256":"${sha}"},{"name":"a","sha256":"${sha}"}]`, /API_KEYS\[1\]: name a/],
  ])('refuses %s', (text, message) => {
    expect(() => parseKeys(text, names)).toThrow(ConfigError);
    expect(() => parseKeys(text, names)).toThrow(message);
  });
});

describe('KeyRing', () => {
  const keys = parseKeys(
    JSON.stringify([
      { name: 'one', sha256: hashKey('first') },
      { name: 'two', sha256: hashKey('second') },
    ]),
    new TaskNames(),
  );

  it('finds a key by its hash and tells missing from wrong', () => {
    const ring = new KeyRing(keys, false);
    expect(ring.authenticate('second')).toMatchObject({ ok: true, caller: { name: 'two' } });
    expect(ring.authenticate('third')).toEqual({ ok: false, reason: 'invalid_key' });
    expect(ring.authenticate(undefined)).toEqual({ ok: false, reason: 'missing_key' });
    expect(new KeyRing(keys, true).authenticate(undefined)).toMatchObject({
      ok: true,
      caller: { name: 'anonymous' },
    });
    // A wrong key stays wrong with anonymous access on.
    expect(new KeyRing(keys, true).authenticate('third').ok).toBe(false);
  });
});

describe('views and documents', () => {
  const meta = (over: Partial<ResultMeta>): ResultMeta => ({
    status: 'SUCCESS',
    result: { ok: 1 },
    traceback: null,
    children: [],
    date_done: '2026-01-01T00:00:00+00:00',
    task_id: 't',
    name: 'n',
    ...over,
  });

  it('keeps Celery field names and adds burrow’s beside them', () => {
    expect(resultView('t', meta({}))).toMatchObject({
      task_id: 't',
      status: 'SUCCESS',
      result: { ok: 1 },
    });
    expect(
      resultView(
        't',
        meta({
          status: 'FAILURE',
          result: { exc_type: 'ValueError', exc_message: ['bad'], exc_module: 'builtins' },
          traceback: 'tb',
        }),
      ),
    ).toMatchObject({
      result: null,
      error: { type: 'ValueError', message: 'bad' },
      traceback: 'tb',
    });
    expect(statusView('t', meta({ status: 'PROGRESS', result: { done: 3 } }), null)).toMatchObject({
      status: 'PROGRESS',
      state: 'PROGRESS',
      ready: false,
      progress: { done: 3 },
    });
  });

  it('renders the same OpenAPI document every time, and a page that escapes its text', () => {
    expect(JSON.stringify(renderOpenApi(CATALOGUE))).toBe(JSON.stringify(renderOpenApi(CATALOGUE)));
    const page = renderDocsPage(renderOpenApi(CATALOGUE));
    expect(page).toContain('<a href="#email_tasks.send_email_task.kwargs">');
    expect(page).not.toContain('<script');
  });

  it('fingerprints requests regardless of key order', () => {
    expect(fingerprint({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(
      fingerprint({ b: [1, { d: 3, c: 2 }], a: 1 }),
    );
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: 2 }));
  });
});
