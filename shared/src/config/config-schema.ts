import os from 'node:os';

/** convict format: an absolute http(s) URL. */
function httpUrl(value: unknown): void {
  let parsed: URL;
  try {
    parsed = new URL(String(value));
  } catch {
    throw new Error(
      `must be an absolute URL like http://backend:8000, got ${JSON.stringify(value)}`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new Error('must be an http:// or https:// URL');
}

/**
 * Every setting burrow reads, in one convict schema. Each leaf names its environment variable;
 * the README's configuration table mirrors this file.
 */
export const configSchema = {
  rabbitmq: {
    url: {
      doc: 'Full AMQP URL; overrides the RABBITMQ_HOST/PORT/USER/PASSWORD/VHOST parts',
      format: String,
      default: '',
      env: 'RABBITMQ_URL',
      sensitive: true,
    },
    host: { doc: 'RabbitMQ host', format: String, default: 'localhost', env: 'RABBITMQ_HOST' },
    port: { doc: 'RabbitMQ AMQP port', format: 'port', default: 5672, env: 'RABBITMQ_PORT' },
    user: { doc: 'RabbitMQ user', format: String, default: 'guest', env: 'RABBITMQ_USER' },
    password: {
      doc: 'RabbitMQ password',
      format: String,
      default: 'guest',
      env: 'RABBITMQ_PASSWORD',
      sensitive: true,
    },
    vhost: { doc: 'RabbitMQ virtual host', format: String, default: '/', env: 'RABBITMQ_VHOST' },
    heartbeatSeconds: {
      doc: 'AMQP heartbeat; a dead broker is noticed within about twice this',
      format: 'nat',
      default: 15,
      env: 'RABBITMQ_HEARTBEAT',
    },
  },
  redis: {
    url: {
      doc: 'Full Redis URL; overrides REDIS_HOST/PORT/DB/PASSWORD',
      format: String,
      default: '',
      env: 'REDIS_URL',
      sensitive: true,
    },
    host: { doc: 'Redis host', format: String, default: 'localhost', env: 'REDIS_HOST' },
    port: { doc: 'Redis port', format: 'port', default: 6379, env: 'REDIS_PORT' },
    db: { doc: 'Redis database number', format: 'nat', default: 0, env: 'REDIS_DB' },
    password: {
      doc: 'Redis password',
      format: String,
      default: '',
      env: 'REDIS_PASSWORD',
      sensitive: true,
    },
    keyPrefix: {
      doc: "Prefix for every Redis key (Celery's result_backend_transport_options global_keyprefix)",
      format: String,
      default: '',
      env: 'REDIS_KEY_PREFIX',
    },
  },
  backend: {
    url: {
      doc: 'Base URL of the product backend burrow calls',
      format: httpUrl,
      default: 'http://localhost:8000',
      env: 'BACKEND_API_URL',
    },
    apiKey: {
      doc: 'API key sent to the backend',
      format: String,
      default: '',
      env: 'BACKEND_API_KEY',
      sensitive: true,
    },
    timeoutSeconds: {
      doc: 'Timeout of one backend HTTP call',
      format: 'nat',
      default: 10,
      env: 'BACKEND_API_TIMEOUT',
    },
    notifyPath: {
      doc: 'Backend path send_notification_to_backend POSTs to',
      format: String,
      default: '/internal/notifications/',
      env: 'BACKEND_NOTIFY_PATH',
    },
    digestPath: {
      doc: 'Backend path send_daily_digest_task POSTs to',
      format: String,
      default: '/internal/reports/daily-digest/trigger',
      env: 'BACKEND_DIGEST_PATH',
    },
    healthPaths: {
      doc: 'Comma-separated backend paths the health check task probes',
      format: String,
      default: '/health/',
      env: 'BACKEND_HEALTH_PATHS',
    },
  },
  smtp: {
    host: { doc: 'SMTP server host', format: String, default: 'localhost', env: 'SMTP_HOST' },
    port: { doc: 'SMTP server port', format: 'port', default: 1025, env: 'SMTP_PORT' },
    user: {
      doc: 'SMTP user; empty = no authentication',
      format: String,
      default: '',
      env: 'SMTP_USER',
    },
    password: {
      doc: 'SMTP password',
      format: String,
      default: '',
      env: 'SMTP_PASSWORD',
      sensitive: true,
    },
    secure: {
      doc: 'Implicit TLS from the first byte (port 465 style)',
      format: Boolean,
      default: false,
      env: 'SMTP_SECURE',
    },
    requireTls: {
      doc: 'Refuse to send unless STARTTLS succeeds',
      format: Boolean,
      default: false,
      env: 'SMTP_STARTTLS',
    },
    from: {
      doc: 'Sender used when a task gives none',
      format: String,
      default: 'burrow@localhost',
      env: 'SMTP_FROM',
    },
    poolSize: {
      doc: 'Pooled SMTP connections per worker',
      format: 'nat',
      default: 5,
      env: 'SMTP_POOL_SIZE',
    },
    timeoutSeconds: {
      doc: 'Connection, greeting and socket timeout of one SMTP session',
      format: 'nat',
      default: 30,
      env: 'SMTP_TIMEOUT',
    },
    ratePerSecond: {
      doc: 'Mails per second across the whole fleet (enforced in Redis); 0 = unlimited',
      format: 'nat',
      default: 0,
      env: 'SMTP_RATE_PER_SECOND',
    },
    attachmentsDir: {
      doc: 'The only directory attachments given by path may come from; empty = none allowed',
      format: String,
      default: '',
      env: 'EMAIL_ATTACHMENTS_DIR',
    },
    messageIdDomain: {
      doc: 'Domain of Message-IDs derived from task ids',
      format: String,
      default: 'burrow.local',
      env: 'EMAIL_MESSAGE_ID_DOMAIN',
    },
  },
  results: {
    expiresSeconds: {
      doc: 'How long results stay in Redis (Celery result_expires)',
      format: 'nat',
      default: 86_400,
      env: 'RESULT_EXPIRES',
    },
  },
  log: {
    level: {
      doc: 'Log level',
      format: ['error', 'warn', 'info', 'debug'],
      default: 'info',
      env: 'LOG_LEVEL',
    },
    dir: {
      doc: 'Directory of the rotating log files; empty = stdout only',
      format: String,
      default: 'logs',
      env: 'LOG_DIR',
    },
    format: {
      doc: 'pretty (terminal) or json (production)',
      format: ['pretty', 'json'],
      default: 'pretty',
      env: 'LOG_FORMAT',
    },
  },
  publish: {
    timeoutSeconds: {
      doc: 'How long a publish waits for the broker (and its confirm) before failing',
      format: 'nat',
      default: 10,
      env: 'PUBLISH_TIMEOUT',
    },
    maxBuffered: {
      doc: 'Publishes that may wait for the broker at once; more fail at once',
      format: 'nat',
      default: 10_000,
      env: 'PUBLISH_BUFFER_MAX',
    },
  },
  worker: {
    name: {
      doc: 'Worker name in results, logs and dead-letter headers',
      format: String,
      default: `burrow@${os.hostname()}`,
      env: 'WORKER_NAME',
    },
    queues: {
      doc: 'Comma-separated queues to consume; empty = all catalogue queues',
      format: String,
      default: '',
      env: 'WORKER_QUEUES',
    },
    concurrency: {
      doc: 'Tasks run at once per worker process (also the prefetch)',
      format: 'nat',
      default: 16,
      env: 'WORKER_CONCURRENCY',
    },
    shutdownGraceSeconds: {
      doc: 'On SIGTERM, how long in-flight tasks may finish before they are returned to the queue',
      format: 'nat',
      default: 30,
      env: 'WORKER_SHUTDOWN_GRACE',
    },
    taskModules: {
      doc: 'Comma-separated module paths whose exported `tasks` extend the catalogue',
      format: String,
      default: '',
      env: 'WORKER_TASK_MODULES',
    },
    httpPort: {
      doc: 'Port of /metrics, /healthz and /readyz; 0 = off',
      format: 'port',
      default: 0,
      env: 'WORKER_HTTP_PORT',
    },
    trackStarted: {
      doc: 'Store STARTED when a task begins (one more Redis write per task)',
      format: Boolean,
      default: false,
      env: 'WORKER_TRACK_STARTED',
    },
    maxMemoryMb: {
      doc: 'Resident memory (MB) past which the worker stops taking tasks, drains and exits for its supervisor to restart it; 0 = no cap',
      format: 'nat',
      default: 0,
      env: 'WORKER_MAX_MEMORY_MB',
    },
    maxDeliveries: {
      doc: 'Times a task may start without reaching an outcome (the worker died running it) before it is dead-lettered as a crash loop',
      format: 'nat',
      default: 5,
      env: 'WORKER_MAX_DELIVERIES',
    },
  },
} as const;
