import fs from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { connectRedis, createLogger } from '@burrow/shared';
import { FilesInUse, canonicalPath } from '../../src/providers/files-in-use';
import { REDIS_URL, eventually, uniqueName } from '../../../testing/stack';
import { tempTree } from './tree';

describe('FilesInUse (real Redis)', () => {
  let redis: Redis;
  const keyPrefix = `${uniqueName('files-in-use')}:`;
  const key = `${keyPrefix}burrow-files-in-use`;
  let tree: Awaited<ReturnType<typeof tempTree>>;
  const leases: { release(): Promise<void> }[] = [];
  const files = (options: { leaseSeconds?: number; now?: () => number } = {}) =>
    new FilesInUse(redis, { keyPrefix, ...options });

  beforeAll(async () => {
    redis = await connectRedis(
      REDIS_URL,
      'client',
      createLogger({ service: 'test', silent: true }),
    );
  });
  afterAll(async () => {
    await redis.del(key);
    redis.disconnect();
  });
  beforeEach(async () => {
    tree = await tempTree('burrow-in-use-');
  });
  afterEach(async () => {
    for (const lease of leases.splice(0)) await lease.release();
    await redis.del(key);
    await tree.remove();
  });

  it('holds a path until it is released, and release is idempotent', async () => {
    const file = path.join(tree.dir, 'report.csv');
    const lease = await files().hold(file);
    leases.push(lease);
    expect(lease.path).toBe(file);
    expect(await files().held([file, path.join(tree.dir, 'other.csv')])).toEqual(new Set([file]));
    expect(await files().all()).toEqual(new Set([file]));
    await lease.release();
    await lease.release();
    expect(await files().held([file])).toEqual(new Set());
    expect(await files().all()).toEqual(new Set());
  });

  it('names a path through a symlinked folder as the sweep sees it (real folder)', async () => {
    await fs.mkdir(path.join(tree.dir, 'real'));
    await fs.symlink(path.join(tree.dir, 'real'), path.join(tree.dir, 'link'));
    const lease = await files().hold(path.join(tree.dir, 'link', 'x.csv'));
    leases.push(lease);
    expect(lease.path).toBe(path.join(tree.dir, 'real', 'x.csv'));
    expect(
      await files()
        .held([path.join(tree.dir, 'real', 'x.csv')])
        .then((s) => s.size),
    ).toBe(1);
    expect(
      await files()
        .held([path.join(tree.dir, 'link', 'x.csv')])
        .then((s) => s.size),
    ).toBe(1);
    // A relative path resolves against the cwd; a folder that does not exist stays as given.
    expect(await canonicalPath('no-such-folder/x.csv')).toBe(path.resolve('no-such-folder/x.csv'));
  });

  it('keeps a path held while a second writer of it still holds it', async () => {
    const file = path.join(tree.dir, 'import-errors.csv');
    const first = await files().hold(file);
    const second = await files().hold(file);
    leases.push(first, second);
    await first.release();
    expect(await files().held([file])).toEqual(new Set([file]));
    await second.release();
    expect(await files().held([file])).toEqual(new Set());
  });

  it("lets a dead writer's hold lapse after the lease", async () => {
    const file = path.join(tree.dir, 'partial.csv');
    leases.push(await files({ leaseSeconds: 60 }).hold(file));
    const later = files({ now: () => Date.now() + 61_000 });
    expect(await later.held([file])).toEqual(new Set());
    expect(await later.all()).toEqual(new Set());
    // The key itself expires with its holders.
    expect(await redis.ttl(key)).toBeGreaterThan(0);
  });

  it('renews a hold while it is kept', async () => {
    const lease = await files({ leaseSeconds: 1 }).hold(path.join(tree.dir, 'slow.csv'));
    leases.push(lease);
    const [, first] = await redis.zrange(key, 0, 0, 'WITHSCORES');
    await eventually(
      async () => {
        const [, score] = await redis.zrange(key, 0, 0, 'WITHSCORES');
        return Number(score) > Number(first);
      },
      5_000,
      'a renewal',
    );
    expect(await files().held([lease.path])).toEqual(new Set([lease.path]));
  });

  it('answers an empty question without Redis', async () => {
    expect(await files().held([])).toEqual(new Set());
  });
});
