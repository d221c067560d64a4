import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { CanvasStore } from '../src/canvas';
import { REDIS_URL, uniqueName } from '../../testing/stack';

/** Celery's chord keys on the real Redis, under a key prefix of this test's own. */
describe('CanvasStore chord parts', () => {
  const redis = new Redis(REDIS_URL);
  const keyPrefix = `${uniqueName('canvas-store')}:`;
  const store = new CanvasStore(redis, { keyPrefix, expiresSeconds: 60 });
  afterAll(async () => {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('fires once, for the last part, with the results in group_index order', async () => {
    const gid = randomUUID();
    await redis.set(store.groupKey(gid, '.s'), '3');
    const part = (i: number) => ({ taskId: `t${i}`, state: 'SUCCESS', result: i * 10 });
    expect(await store.addChordPart(gid, 2, part(2))).toEqual({ fire: false });
    // A redelivered part adds nothing: the count stays.
    expect(await store.addChordPart(gid, 2, part(2))).toEqual({ fire: false });
    expect(await store.addChordPart(gid, 0, part(0))).toEqual({ fire: false });
    const last = await store.addChordPart(gid, 1, part(1));
    expect(last).toEqual({ fire: true, parts: [part(0), part(1), part(2)] });
    // Another part's redelivery before the keys go is not the firer; the firer's own is.
    expect(await store.addChordPart(gid, 0, part(0))).toEqual({ fire: false });
    expect((await store.addChordPart(gid, 1, part(1))).fire).toBe(true);
    await store.forgetChord(gid);
    expect(await redis.exists(store.groupKey(gid, '.j'), store.groupKey(gid, '.s'))).toBe(0);
  });

  it('counts the .t adjustment and waits while the size is unknown', async () => {
    const gid = randomUUID();
    expect(await store.addChordPart(gid, 0, { taskId: 'a', state: 'SUCCESS', result: 1 })).toEqual({
      fire: false,
    });
    await redis.set(store.groupKey(gid, '.s'), '1');
    await redis.set(store.groupKey(gid, '.t'), '1');
    const fired = await store.addChordPart(gid, 1, { taskId: 'b', state: 'FAILURE', result: {} });
    expect(fired.fire && fired.parts.map((p) => p.taskId)).toEqual(['a', 'b']);
  });

  it('keeps a finished record until its follow-ups are marked sent', async () => {
    const id = randomUUID();
    expect(await store.unsent(id)).toBeNull();
    await store.recordFinished(id, { state: 'SUCCESS', result: [1, 2] });
    expect(await store.unsent(id)).toEqual({ state: 'SUCCESS', result: [1, 2] });
    await store.markSent(id);
    expect(await store.unsent(id)).toBeNull();
  });
});
