import {
  CONTINUATIONS_HEADER,
  MAX_BODY_DEPTH,
  decodeTaskMessage,
  encodeTaskMessage,
  parseCeleryTime,
} from '../src/envelope';
import { nestsDeeperThan } from '../src/envelope/json-depth';

const celeryHeaders = (over: Record<string, unknown> = {}) => ({
  lang: 'py',
  task: 'tasks.email_tasks.send_email_task',
  id: '5e2c4a0e-8f6b-4c1e-9f43-0b7c1d1e2f30',
  shadow: null,
  eta: null,
  expires: null,
  group: null,
  group_index: null,
  retries: 0,
  timelimit: [null, null],
  root_id: '5e2c4a0e-8f6b-4c1e-9f43-0b7c1d1e2f30',
  parent_id: null,
  argsrepr: "('a@example.com',)",
  kwargsrepr: '{}',
  origin: 'gen123@web1',
  ignore_result: false,
  ...over,
});

const raw = (
  body: unknown,
  headers: Record<string, unknown>,
  contentType = 'application/json',
) => ({
  content: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  properties: { contentType, contentEncoding: 'utf-8', headers },
});

describe('decodeTaskMessage', () => {
  it('reads a Celery protocol v2 message as a Python client sends it', () => {
    const result = decodeTaskMessage(
      raw(
        [
          ['a@example.com', 'Hi'],
          { body: 'x' },
          { callbacks: null, errbacks: null, chain: null, chord: null },
        ],
        celeryHeaders({ retries: 2, timelimit: [60, 30], eta: '2026-11-27T10:00:00.123456+02:00' }),
      ),
    );
    expect(result).toEqual({
      ok: true,
      message: expect.objectContaining({
        id: '5e2c4a0e-8f6b-4c1e-9f43-0b7c1d1e2f30',
        task: 'tasks.email_tasks.send_email_task',
        args: ['a@example.com', 'Hi'],
        kwargs: { body: 'x' },
        retries: 2,
        timelimit: [60, 30],
        eta: '2026-11-27T08:00:00.123Z',
        origin: 'gen123@web1',
      }),
    });
  });

  it('takes a plain JSON object body as the kwargs', () => {
    const result = decodeTaskMessage(raw({ to_email: 'a@example.com' }, { task: 't', id: 'i1' }));
    expect(result.ok && result.message.kwargs).toEqual({ to_email: 'a@example.com' });
    expect(result.ok && result.message.args).toEqual([]);
  });

  it('falls back to correlation_id for the task id', () => {
    const result = decodeTaskMessage({
      content: Buffer.from('{}'),
      properties: { headers: { task: 't' }, correlationId: 'corr-1' },
    });
    expect(result.ok && result.message.id).toBe('corr-1');
  });

  it('reads protocol v1 bodies', () => {
    const result = decodeTaskMessage(
      raw({ task: 't.v1', id: 'v1-id', args: [1], kwargs: { b: 2 }, retries: 1, eta: null }, {}),
    );
    expect(result.ok && result.message).toMatchObject({
      task: 't.v1',
      id: 'v1-id',
      args: [1],
      retries: 1,
    });
  });

  it('unwraps kombu __type__ envelopes', () => {
    const result = decodeTaskMessage(
      raw(
        [
          [],
          {
            when: { __type__: 'datetime', __value__: '2026-01-02T03:04:05' },
            price: { __type__: 'decimal', __value__: '19.99' },
            ref: { __type__: 'uuid', __value__: { hex: '0123456789abcdef0123456789abcdef' } },
          },
          null,
        ],
        celeryHeaders(),
      ),
    );
    expect(result.ok && result.message.kwargs).toEqual({
      when: '2026-01-02T03:04:05',
      price: '19.99',
      ref: '01234567-89ab-cdef-0123-456789abcdef',
    });
  });

  it.each([
    ['not JSON', raw('{nope', celeryHeaders()), 'not_json'],
    [
      'pickle',
      raw('x', celeryHeaders(), 'application/x-python-serialize'),
      'unsupported_content_type',
    ],
    ['no task name', raw([[], {}, null], { id: 'i' }), 'missing_task_name'],
    ['a string body', raw('"hello"', celeryHeaders()), 'bad_body'],
    ['args not an array', raw([{}, {}, null], celeryHeaders()), 'bad_body'],
    ['eta not a date', raw([[], {}, null], celeryHeaders({ eta: 'tomorrow' })), 'bad_header'],
    ['retries not a number', raw([[], {}, null], celeryHeaders({ retries: 'x' })), 'bad_header'],
    [
      'negative timelimit',
      raw([[], {}, null], celeryHeaders({ timelimit: [-1, null] })),
      'bad_header',
    ],
  ])('rejects %s with a reason and the task id when known', (_name, message, code) => {
    const result = decodeTaskMessage(message);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(code);
    expect(result.error.reason.length).toBeGreaterThan(10);
    if (code !== 'missing_task_name')
      expect(result.error.taskId).toBe('5e2c4a0e-8f6b-4c1e-9f43-0b7c1d1e2f30');
  });
});

describe('decodeTaskMessage refuses bodies that would run wrong or never settle', () => {
  const refusal = (content: Buffer | string, headers = celeryHeaders()) => {
    const result = decodeTaskMessage({
      content: typeof content === 'string' ? Buffer.from(content) : content,
      properties: { contentType: 'application/json', contentEncoding: 'utf-8', headers },
    });
    return result.ok ? null : result.error;
  };

  it('refuses bytes that are not UTF-8 rather than replacing them', () => {
    const body = Buffer.concat([
      Buffer.from('[[], {"x": "'),
      Buffer.from([0xff]),
      Buffer.from('"}, null]'),
    ]);
    expect(refusal(body)).toMatchObject({
      code: 'invalid_utf8',
      taskId: '5e2c4a0e-8f6b-4c1e-9f43-0b7c1d1e2f30',
      reason: expect.stringMatching(/not valid UTF-8/),
    });
    // An overlong encoding and a lone surrogate are invalid too.
    expect(refusal(Buffer.from([0x5b, 0xc0, 0xaf, 0x5d]))?.code).toBe('invalid_utf8');
    expect(refusal(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]))?.code).toBe('invalid_utf8');
    expect(refusal(JSON.stringify([[], { x: 'naïve ✓ 😀' }, null]))).toBeNull();
  });

  it('refuses nesting past MAX_BODY_DEPTH before parsing, in the body or deep in the kwargs', () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    expect(refusal(nested(50_000))).toMatchObject({
      code: 'too_deep',
      taskId: '5e2c4a0e-8f6b-4c1e-9f43-0b7c1d1e2f30',
      task: 'tasks.email_tasks.send_email_task',
    });
    expect(refusal(`[[], {"a": ${nested(50_000)}}, {}]`)?.code).toBe('too_deep');
    // [args, kwargs, embed] is two levels of the limit; a kwarg may use the rest.
    expect(refusal(`[[], {"a": ${nested(MAX_BODY_DEPTH - 2)}}, null]`)).toBeNull();
    expect(refusal(`[[], {"a": ${nested(MAX_BODY_DEPTH - 1)}}, null]`)?.code).toBe('too_deep');
  });

  it('counts only brackets outside strings, escaped quotes included', () => {
    // A string ending in a backslash, and one holding an escaped quote before brackets.
    const tricky = JSON.stringify(['[[[[', '\\', '\\"[[[[', '{{']);
    expect(tricky).toBe(String.raw`["[[[[","\\","\\\"[[[[","{{"]`);
    expect(nestsDeeperThan(tricky, 1)).toBe(false);
    expect(nestsDeeperThan(`[${tricky}]`, 1)).toBe(true);
    expect(nestsDeeperThan('[{"a": "]]]]"}, [[]]]', 2)).toBe(true);
    expect(nestsDeeperThan('{"unterminated": "[[[[', 1)).toBe(false);
    expect(refusal(JSON.stringify([[], { html: '['.repeat(10_000) }, null]))).toBeNull();
  });

  it('never throws on a header value JSON cannot print', () => {
    let deep: unknown[] = [];
    for (let i = 0; i < 20_000; i++) deep = [deep];
    for (const headers of [
      celeryHeaders({ retries: deep }),
      celeryHeaders({ timelimit: deep }),
      celeryHeaders({ eta: 10n }),
      celeryHeaders({ compression: deep }),
    ]) {
      const error = refusal(JSON.stringify([[], {}, null]), headers);
      expect(error?.code).toMatch(/bad_header|unsupported_encoding/);
      expect(error!.reason.length).toBeLessThan(250);
    }
  });
});

describe('encodeTaskMessage', () => {
  it('carries the continuation count through a round trip, and only when there is one', () => {
    expect(encodeTaskMessage({ id: 'c', task: 't' }).headers).not.toHaveProperty(
      CONTINUATIONS_HEADER,
    );
    const encoded = encodeTaskMessage({ id: 'c', task: 't', continuations: 3, retries: 1 });
    expect(encoded.headers[CONTINUATIONS_HEADER]).toBe(3);
    const decoded = decodeTaskMessage({ content: encoded.content, properties: { ...encoded } });
    expect(decoded.ok && decoded.message).toMatchObject({ continuations: 3, retries: 1 });
    const first = decodeTaskMessage(raw([[], {}, null], celeryHeaders()));
    expect(first.ok && first.message.continuations).toBe(0);
    const bad = decodeTaskMessage(
      raw([[], {}, null], celeryHeaders({ [CONTINUATIONS_HEADER]: -1 })),
    );
    expect(bad.ok ? null : bad.error.code).toBe('bad_header');
  });

  it('round-trips through the decoder with Celery header names and null voids', () => {
    const encoded = encodeTaskMessage({
      id: 'id-1',
      task: 'tasks.x',
      args: [1],
      kwargs: { a: 'b' },
      eta: '2026-01-01T00:00:00.000Z',
    });
    expect(encoded.headers).toMatchObject({
      task: 'tasks.x',
      id: 'id-1',
      root_id: 'id-1',
      parent_id: null,
      expires: null,
      retries: 0,
    });
    expect(Object.values(encoded.headers)).not.toContain(undefined);
    expect(JSON.parse(encoded.content.toString())).toEqual([
      [1],
      { a: 'b' },
      { callbacks: null, errbacks: null, chain: null, chord: null },
    ]);
    const decoded = decodeTaskMessage({ content: encoded.content, properties: { ...encoded } });
    expect(decoded.ok && decoded.message).toMatchObject({
      id: 'id-1',
      args: [1],
      kwargs: { a: 'b' },
      eta: '2026-01-01T00:00:00.000Z',
    });
  });
});

describe('parseCeleryTime', () => {
  it('treats a naive time as UTC and rejects non-dates', () => {
    expect(parseCeleryTime('2026-05-01T12:00:00')?.toISOString()).toBe('2026-05-01T12:00:00.000Z');
    expect(parseCeleryTime('2026-05-01 12:00:00+01:00')?.toISOString()).toBe(
      '2026-05-01T11:00:00.000Z',
    );
    expect(parseCeleryTime('soon')).toBeNull();
  });
});

describe('bindArguments', () => {
  const { bindArguments } =
    jest.requireActual<typeof import('../src/bind-arguments')>('../src/bind-arguments');
  const contract = {
    name: 't',
    params: ['to', 'subject', 'html'],
    kwargs: { required: ['to', 'subject'] },
  };

  it('maps positional args in parameter order and merges kwargs', () => {
    expect(bindArguments(contract, ['a@b.io', 'Hi'], { html: '<p>' })).toEqual({
      ok: true,
      kwargs: { to: 'a@b.io', subject: 'Hi', html: '<p>' },
    });
  });

  it('treats a Python None for an optional argument as not given, but keeps a null required one', () => {
    expect(bindArguments(contract, ['a@b.io', 'Hi', null], {})).toEqual({
      ok: true,
      kwargs: { to: 'a@b.io', subject: 'Hi' },
    });
    expect(bindArguments(contract, ['a@b.io', null], {})).toEqual({
      ok: true,
      kwargs: { to: 'a@b.io', subject: null },
    });
  });

  it('refuses too many positional values and a value given twice', () => {
    expect(bindArguments(contract, [1, 2, 3, 4], {})).toMatchObject({
      ok: false,
      reason: expect.stringContaining('takes 3 positional arguments'),
    });
    expect(bindArguments(contract, ['a@b.io'], { to: 'c@d.io' })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('multiple values for argument "to"'),
    });
  });
});
