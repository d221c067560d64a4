import {
  buildFollowUp,
  chordError,
  derivedId,
  exceptionRepr,
  firstFailedPart,
  followUpId,
  readSignature,
  readSignatures,
  routeOf,
  type Signature,
} from '../src/canvas';

const sig = (over: Record<string, unknown> = {}): Signature =>
  readSignature({
    task: 'canvas.add',
    args: [4],
    kwargs: {},
    options: {},
    subtask_type: null,
    immutable: false,
    ...over,
  })!;

const NOW = Date.parse('2026-01-01T00:00:00Z');
const known = (task: string) => (task === 'canvas.add' ? 'numbers' : undefined);

describe('signatures', () => {
  it('reads a signature as Celery serializes it, and refuses what is not one', () => {
    expect(sig()).toMatchObject({ task: 'canvas.add', args: [4], immutable: false });
    expect(readSignature({ args: [] })).toBeNull();
    expect(readSignature('canvas.add')).toBeNull();
    expect(readSignatures([sig(), 7, null]).map((s) => s.task)).toEqual(['canvas.add']);
    expect(readSignatures(null)).toEqual([]);
  });

  it('keeps a frozen task_id and derives a stable UUID otherwise', () => {
    expect(followUpId(sig({ options: { task_id: 'own' } }), 'p', 'link:0')).toBe('own');
    const derived = followUpId(sig(), 'p', 'link:0');
    expect(derived).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(derived).toBe(derivedId('p:link:0'));
    expect(derived).not.toBe(followUpId(sig(), 'p', 'link:1'));
  });
});

describe('buildFollowUp', () => {
  const base = { id: 'child', parentId: 'parent', rootId: 'root', now: NOW };

  it('prepends the parent result unless immutable', () => {
    const mutable = buildFollowUp({ ...base, sig: sig(), partial: [3] }, known);
    expect(mutable.message).toMatchObject({ args: [3, 4], parentId: 'parent', rootId: 'root' });
    const immutable = buildFollowUp(
      { ...base, sig: sig({ immutable: true }), partial: [3] },
      known,
    );
    expect(immutable.message.args).toEqual([4]);
  });

  it('honours countdown, eta, expires and time limits', () => {
    const later = buildFollowUp(
      {
        ...base,
        sig: sig({ options: { countdown: 5, expires: 60, time_limit: 30, soft_time_limit: 20 } }),
        partial: [],
      },
      known,
    );
    expect(later.delaySeconds).toBe(5);
    expect(later.message.eta).toBe('2026-01-01T00:00:05.000Z');
    expect(later.message.expires).toBe('2026-01-01T00:01:00.000Z');
    expect(later.message.timelimit).toEqual([30, 20]);
    const at = buildFollowUp(
      { ...base, sig: sig({ options: { eta: '2026-01-01T00:00:10+00:00' } }), partial: [] },
      known,
    );
    expect(at.delaySeconds).toBe(10);
  });

  it('carries the rest of a chain, its own links and its group', () => {
    const rest = [sig({ task: 'canvas.mul' })];
    const link = { task: 'canvas.record', args: [], kwargs: {}, options: {} };
    const built = buildFollowUp(
      {
        ...base,
        sig: sig({ options: { link_error: [link], group_id: 'g', group_index: 2 } }),
        partial: [],
        chain: rest,
      },
      known,
    );
    expect(built.message.embed?.chain).toEqual([expect.objectContaining({ task: 'canvas.mul' })]);
    expect(built.message.embed?.errbacks).toEqual([
      expect.objectContaining({ task: 'canvas.record' }),
    ]);
    expect(built.message).toMatchObject({ group: 'g', groupIndex: 2 });
  });
});

describe('routeOf', () => {
  it('prefers the signature options, then the known queue, else nowhere', () => {
    expect(routeOf(sig({ options: { queue: 'q' } }), known)).toEqual({ kind: 'queue', queue: 'q' });
    expect(routeOf(sig({ options: { queue: { name: 'q2' } } }), known)).toEqual({
      kind: 'queue',
      queue: 'q2',
    });
    expect(routeOf(sig({ options: { exchange: 'x', routing_key: 'k' } }), known)).toEqual({
      kind: 'exchange',
      exchange: 'x',
      routingKey: 'k',
    });
    expect(routeOf(sig({ options: { routing_key: 'k' } }), known)).toEqual({
      kind: 'queue',
      queue: 'k',
    });
    expect(routeOf(sig(), known)).toEqual({ kind: 'queue', queue: 'numbers' });
    expect(routeOf(sig({ task: 'python.only' }), known)).toBeNull();
  });
});

describe('chord errors', () => {
  const failed = {
    taskId: 't2',
    state: 'FAILURE',
    result: { exc_type: 'ValueError', exc_message: ['bad row'], exc_module: 'builtins' },
  };

  it('finds the first failed part in header order', () => {
    const parts = [
      { taskId: 't1', state: 'SUCCESS', result: 1 },
      failed,
      { ...failed, taskId: 't3' },
    ];
    expect(firstFailedPart(parts)?.taskId).toBe('t2');
    expect(firstFailedPart([parts[0]!])).toBeUndefined();
  });

  it("words the error as Celery's Redis backend does", () => {
    expect(chordError(failed)).toEqual({
      type: 'ChordError',
      module: 'celery.exceptions',
      message: "Dependency t2 raised ValueError('bad row')",
    });
    expect(exceptionRepr({ exc_type: 'KeyError', exc_message: ["it's", 3, null] })).toBe(
      `KeyError("it's", 3, None)`,
    );
  });
});
