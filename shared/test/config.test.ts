import { ConfigError, loadConfig } from '../src';

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
    [{ BACKEND_API_URL: 'not a url' }, /BACKEND_API_URL/],
    [{ WORKER_CONCURRENCY: '0' }, /WORKER_CONCURRENCY/],
  ])('fails naming the variable: %o', (env, pattern) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(pattern);
  });
});
