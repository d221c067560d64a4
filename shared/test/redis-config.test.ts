import { ConfigError, loadConfig } from '../src';
import { describeRedisTarget, parseSentinelList } from '../src/redis';

describe('Redis settings from the environment', () => {
  it('is a plain URL with no Sentinel and no TLS by default, as before', () => {
    expect(loadConfig({ REDIS_HOST: 'cache', REDIS_DB: '2' }).redis).toEqual({
      url: 'redis://cache:6379/2',
      sentinel: null,
      tls: null,
      keyPrefix: '',
    });
  });

  it('reads REDIS_SENTINELS, the master name (mymaster by default) and its password', () => {
    const { redis } = loadConfig({
      REDIS_SENTINELS: 'sentinel-a:26380, sentinel-b, [::1]:26381',
      REDIS_SENTINEL_PASSWORD: 's3cret',
      REDIS_PASSWORD: 'master-pass',
    });
    expect(redis.sentinel).toEqual({
      sentinels: [
        { host: 'sentinel-a', port: 26380 },
        { host: 'sentinel-b', port: 26379 },
        { host: '::1', port: 26381 },
      ],
      masterName: 'mymaster',
      password: 's3cret',
      tls: false,
    });
    // The master's password and DB still come from the URL parts.
    expect(redis.url).toBe('redis://:master-pass@localhost:6379/0');
    expect(describeRedisTarget(redis)).toBe(
      'sentinel://sentinel-a:26380,sentinel-b:26379,[::1]:26381/mymaster',
    );
  });

  it.each([
    [{ REDIS_SENTINELS: 'a:b' }, /REDIS_SENTINELS: "a:b" is not host:port/],
    [{ REDIS_SENTINELS: 'a:99999' }, /REDIS_SENTINELS: "a:99999"/],
    [{ REDIS_SENTINELS: 'a', REDIS_SENTINEL_MASTER: '' }, /REDIS_SENTINEL_MASTER/],
    [{ REDIS_SENTINELS: 'a', REDIS_SENTINEL_TLS: 'true' }, /REDIS_SENTINEL_TLS: needs Redis TLS/],
    [{ REDIS_TLS_CA_FILE: '/etc/hostname' }, /REDIS_TLS_CA_FILE: set, but Redis TLS is off/],
  ])('fails naming the variable: %o', (env, pattern) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(pattern);
  });

  it('turns TLS on for rediss:// or REDIS_TLS=true, and reads Celery ssl_* URL parameters', () => {
    expect(loadConfig({ REDIS_TLS: 'true' }).redis).toMatchObject({
      url: 'rediss://localhost:6379/0',
      tls: { caFile: '', certFile: '', keyFile: '', rejectUnauthorized: true },
    });
    const celery = loadConfig({
      REDIS_URL: 'rediss://:pw@cache:6380/1?ssl_cert_reqs=CERT_NONE&ssl_ca_certs=%2Fetc%2Fhostname',
    }).redis;
    expect(celery.url).toBe('rediss://:pw@cache:6380/1');
    expect(celery.tls).toEqual({
      caFile: '/etc/hostname',
      certFile: '',
      keyFile: '',
      rejectUnauthorized: false,
    });
    expect(describeRedisTarget(celery)).toBe('rediss://:***@cache:6380/1');
  });

  it('parses sentinel lists without throwing, returning the item it could not read', () => {
    expect(parseSentinelList(['h:1'])).toEqual({ sentinels: [{ host: 'h', port: 1 }] });
    expect(parseSentinelList(['h:1', '::1'])).toEqual({ bad: '::1' });
  });
});
