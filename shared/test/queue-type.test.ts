import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CATALOGUE, renderCeleryConfig } from '@burrow/contracts';
import {
  ConfigError,
  QUORUM,
  TopologyMismatchError,
  deadQueueName,
  explainDeclareError,
  loadConfig,
  taskQueuesTopology,
  withDotEnv,
} from '../src';

describe('QUEUE_TYPE', () => {
  it('defaults to quorum and accepts classic; anything else names the variable', () => {
    expect(loadConfig({}).rabbitmq.queueType).toBe('quorum');
    expect(loadConfig({ QUEUE_TYPE: 'classic' }).rabbitmq.queueType).toBe('classic');
    expect(() => loadConfig({ QUEUE_TYPE: 'stream' })).toThrow(/QUEUE_TYPE/);
  });

  it('classic task queues get no arguments at all, as kombu declares them; dead letters stay quorum', () => {
    const classic = taskQueuesTopology(['email'], 'classic');
    expect(classic.queues).toEqual([
      { name: 'email', arguments: {} },
      { name: deadQueueName('email'), arguments: QUORUM },
    ]);
    expect(taskQueuesTopology(['email']).queues[0]).toEqual({ name: 'email', arguments: QUORUM });
  });

  it('the classic Celery settings declare the queues without arguments', () => {
    const classic = renderCeleryConfig(CATALOGUE, { queueType: 'classic' });
    expect(classic).not.toMatch(/x-queue-type/);
    expect(classic).toMatch(/QUEUE_TYPE=classic/);
    expect(renderCeleryConfig(CATALOGUE)).toMatch(/queue_arguments=\{'x-queue-type': 'quorum'\}/);
  });
});

describe('a refused queue declaration', () => {
  const refusal = (detail: string) =>
    new Error(
      `Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'email' in vhost 'v': ${detail}"`,
    );

  it('quorum meeting a classic queue: advice names QUEUE_TYPE=classic and the queue', () => {
    const err = explainDeclareError(
      refusal("received the value 'quorum' of type 'longstr' but current is none"),
    );
    expect(err).toBeInstanceOf(TopologyMismatchError);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/queue 'email' already exists as a classic queue/);
    expect(err.message).toMatch(/Set QUEUE_TYPE=classic/);
    expect((err as TopologyMismatchError).queue).toBe('email');
  });

  it('classic meeting a quorum queue: advice names QUEUE_TYPE=quorum', () => {
    const err = explainDeclareError(
      refusal("received none but current is the value 'quorum' of type 'longstr'"),
    );
    expect(err.message).toMatch(/exists as a quorum queue/);
    expect(err.message).toMatch(/Set QUEUE_TYPE=quorum/);
  });

  it('other errors pass unchanged', () => {
    const other = new Error('Socket closed abruptly');
    expect(explainDeclareError(other)).toBe(other);
  });
});

describe('.env', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-dotenv-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is read from the directory when present; the real environment wins', () => {
    fs.writeFileSync(
      path.join(dir, '.env'),
      '# comment\nQUEUE_TYPE=classic\nRABBITMQ_HOST=from-file\nSMTP_FROM="Burrow <a@b.c>"\n',
    );
    const env = withDotEnv({ RABBITMQ_HOST: 'from-env' }, dir);
    expect(env).toMatchObject({
      QUEUE_TYPE: 'classic',
      RABBITMQ_HOST: 'from-env',
      SMTP_FROM: 'Burrow <a@b.c>',
    });
    expect(loadConfig(env).rabbitmq).toMatchObject({ queueType: 'classic' });
  });

  it('is optional', () => {
    const real = { LOG_LEVEL: 'debug' };
    expect(withDotEnv(real, dir)).toBe(real);
  });

  it('every variable of .env.example parses, commented in or not', () => {
    const example = fs.readFileSync(path.join(__dirname, '..', '..', '.env.example'), 'utf8');
    const uncommented = example
      .split('\n')
      .filter((line) => /^# [A-Z][A-Z0-9_]*=/.test(line))
      .map((line) => line.slice(2))
      .join('\n');
    fs.writeFileSync(path.join(dir, '.env'), uncommented);
    const env = withDotEnv({}, dir);
    expect(env.QUEUE_TYPE).toBe('quorum');
    delete env.WORKER_NAME; // shown as burrow@<hostname>
    expect(loadConfig(env).rabbitmq.queueType).toBe('quorum');
  });
});
