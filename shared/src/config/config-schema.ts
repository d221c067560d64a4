import os from 'node:os';

/**
 * The settings of every burrow process: brokers, results, logs, publishing and the worker's
 * own process settings. Task families add their providers' settings as fragments of their own
 * (workers/src/<family>/config.ts). Each leaf names its environment variable; the README's
 * configuration table is generated from these schemas.
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
    urls: {
      doc: 'Comma-separated AMQP URLs of the cluster nodes, tried in turn on every (re)connect; overrides RABBITMQ_URL and the parts',
      format: String,
      default: '',
      env: 'RABBITMQ_URLS',
      sensitive: true,
    },
    tlsCaFile: {
      doc: 'PEM file of the CA(s) that signed the broker certificates, for amqps:// URLs; empty = the system CAs',
      format: String,
      default: '',
      env: 'RABBITMQ_TLS_CA_FILE',
    },
    tlsCertFile: {
      doc: 'PEM client certificate for amqps:// URLs (brokers that ask for one); needs RABBITMQ_TLS_KEY_FILE',
      format: String,
      default: '',
      env: 'RABBITMQ_TLS_CERT_FILE',
    },
    tlsKeyFile: {
      doc: 'PEM private key of RABBITMQ_TLS_CERT_FILE',
      format: String,
      default: '',
      env: 'RABBITMQ_TLS_KEY_FILE',
    },
    tlsRejectUnauthorized: {
      doc: 'Refuse amqps:// brokers whose certificate does not verify against the CAs and their host name; false only for tests',
      format: Boolean,
      default: true,
      env: 'RABBITMQ_TLS_REJECT_UNAUTHORIZED',
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
    queueType: {
      doc: 'How workers declare their task queues: quorum (new installs) or classic (to work on the queues a Python Celery fleet already declared, while switching over; see docs/switch-from-celery.md). On classic queues the redelivery-loop backstop (WORKER_MAX_REDELIVERIES) has no x-delivery-count to read and is off',
      format: ['quorum', 'classic'],
      default: 'quorum',
      env: 'QUEUE_TYPE',
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
    tls: {
      doc: 'Connect to Redis over TLS (as a rediss:// REDIS_URL does)',
      format: Boolean,
      default: false,
      env: 'REDIS_TLS',
    },
    tlsCaFile: {
      doc: "PEM file of the CA(s) that signed the Redis server certificate; empty = the system CAs. Celery's ?ssl_ca_certs= in a rediss:// URL works too",
      format: String,
      default: '',
      env: 'REDIS_TLS_CA_FILE',
    },
    tlsCertFile: {
      doc: 'PEM client certificate, for servers with tls-auth-clients yes; needs REDIS_TLS_KEY_FILE',
      format: String,
      default: '',
      env: 'REDIS_TLS_CERT_FILE',
    },
    tlsKeyFile: {
      doc: 'PEM private key of REDIS_TLS_CERT_FILE',
      format: String,
      default: '',
      env: 'REDIS_TLS_KEY_FILE',
    },
    tlsRejectUnauthorized: {
      doc: "Refuse a Redis server whose certificate does not verify against the CAs and its address; false (or Celery's ?ssl_cert_reqs=none) only for tests",
      format: Boolean,
      default: true,
      env: 'REDIS_TLS_REJECT_UNAUTHORIZED',
    },
    sentinels: {
      doc: 'Comma-separated Sentinel host:port list; when set, the master is asked of Sentinel (again after a failover) and the host and port of REDIS_URL/REDIS_HOST are not used (its password and DB still are)',
      format: String,
      default: '',
      env: 'REDIS_SENTINELS',
    },
    sentinelMaster: {
      doc: 'Name of the master group Sentinel monitors (Celery master_name)',
      format: String,
      default: 'mymaster',
      env: 'REDIS_SENTINEL_MASTER',
    },
    sentinelPassword: {
      doc: 'Password of the Sentinels themselves; empty = none (the master password is REDIS_PASSWORD or the one in REDIS_URL)',
      format: String,
      default: '',
      env: 'REDIS_SENTINEL_PASSWORD',
      sensitive: true,
    },
    sentinelTls: {
      doc: 'Talk TLS to the Sentinels too, with the REDIS_TLS_* files (needs Redis TLS on)',
      format: Boolean,
      default: false,
      env: 'REDIS_SENTINEL_TLS',
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
      doc: 'Tasks run at once per worker process; each queue prefetches twice this',
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
    maxRedeliveries: {
      doc: 'Times a message may return to its queue unsettled (x-delivery-count of a quorum queue) before it is dead-lettered unrun as a redelivery loop; keep it below the queue delivery-limit',
      format: 'nat',
      default: 10,
      env: 'WORKER_MAX_REDELIVERIES',
    },
    maxContinuations: {
      doc: 'Times a task may pause and continue later (bulk email at its soft time limit) before it is dead-lettered',
      format: 'nat',
      default: 20,
      env: 'WORKER_MAX_CONTINUATIONS',
    },
    sendTaskEvents: {
      doc: 'Send task events (task-received … task-failed) from the start, as Celery -E; remote enable_events/disable_events (Flower) switch them at run time',
      format: Boolean,
      default: false,
      env: 'WORKER_SEND_TASK_EVENTS',
    },
    eventHeartbeatSeconds: {
      doc: 'Seconds between worker-heartbeat events (Flower marks a worker offline after two missed)',
      format: 'nat',
      default: 2,
      env: 'WORKER_HEARTBEAT_INTERVAL',
    },
    revokeExpiresSeconds: {
      doc: 'How long a revoked task id is kept (in Redis, for every worker) and its messages discarded',
      format: 'nat',
      default: 10_800,
      env: 'WORKER_REVOKE_EXPIRES',
    },
    redisBudgetSeconds: {
      doc: 'How long a task outcome may wait for Redis (an outage) before its delivery is handed back to the queue',
      format: 'nat',
      default: 60,
      env: 'WORKER_REDIS_BUDGET',
    },
  },
} as const;
