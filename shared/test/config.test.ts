import { ConfigError, loadConfig, loadConfigFragment, type ConfigFragment } from '../src';

describe('loadConfig', () => {
  it('builds URLs from the seed variables with defaults', () => {
    const config = loadConfig({
      RABBITMQ_HOST: 'mq',
      RABBITMQ_PASSWORD: 'p@ss',
      RABBITMQ_VHOST: 'cars',
      REDIS_HOST: 'cache',
      REDIS_DB: '2',
    });
    expect(config.rabbitmq.url).toBe('amqp://guest:p%40ss@mq:5672/cars');
    expect(config.redis.url).toBe('redis://cache:6379/2');
    expect(config.results.expiresSeconds).toBe(86_400);
    expect(Object.isFrozen(config.worker)).toBe(true);
  });

  it('prefers full URLs and splits lists', () => {
    const config = loadConfig({
      RABBITMQ_URL: 'amqp://u:p@h:1/v',
      REDIS_URL: 'redis://r:2/3',
      WORKER_QUEUES: 'email, cleanup',
    });
    expect(config.rabbitmq.url).toBe('amqp://u:p@h:1/v');
    expect(config.redis.url).toBe('redis://r:2/3');
    expect(config.worker.queues).toEqual(['email', 'cleanup']);
  });

  it.each([
    [{ RABBITMQ_PORT: '99999' }, /RABBITMQ_PORT/],
    [{ RESULT_EXPIRES: 'soon' }, /RESULT_EXPIRES/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ WORKER_CONCURRENCY: '0' }, /WORKER_CONCURRENCY/],
    [{ WORKER_REDIS_BUDGET: '0' }, /WORKER_REDIS_BUDGET: must be at least 1 second/],
  ])('fails naming the variable: %o', (env, pattern) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(pattern);
  });
});

describe('loadConfigFragment', () => {
  const fragment: ConfigFragment<{ port: number; hosts: string }> = {
    schema: {
      provider: {
        port: { doc: 'port', format: 'port', default: 25, env: 'TEST_PROVIDER_PORT' },
        hosts: { doc: 'hosts', format: String, default: 'a', env: 'TEST_PROVIDER_HOSTS' },
      },
    },
    build: (values) => values.provider as { port: number; hosts: string },
  };

  it("builds a part's settings from its own variables, frozen", () => {
    const settings = loadConfigFragment(fragment, { TEST_PROVIDER_PORT: '2525' });
    expect(settings).toEqual({ port: 2525, hosts: 'a' });
    expect(Object.isFrozen(settings)).toBe(true);
  });

  it('names the variable of a bad value, however deep its key', () => {
    expect(() => loadConfigFragment(fragment, { TEST_PROVIDER_PORT: 'x' })).toThrow(
      /TEST_PROVIDER_PORT: ports must be within range/,
    );
  });

  it('does not read the process settings: a part fails on its own variables only', () => {
    expect(() => loadConfigFragment(fragment, { RABBITMQ_PORT: '99999' })).not.toThrow();
  });
});
