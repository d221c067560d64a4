import type { ProcessLogger } from './logging';
import { ConfigError } from './errors';

/**
 * Entry-point plumbing every burrow process shares. SIGTERM/SIGINT run `stop` once and exit 0
 * when it is done (after the logger has flushed); a second signal exits at once with 1. The
 * returned function starts the same graceful stop for other reasons (e.g. the memory cap).
 */
export function stopOnSignals(options: {
  readonly logger: ProcessLogger;
  /** e.g. "worker": logged as "worker stopped cleanly". */
  readonly role: string;
  readonly stop: () => Promise<void>;
  /** Appended to the "second signal" warning. */
  readonly hurriedNote?: string;
}): (reason: string) => void {
  const { logger, role } = options;
  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) {
      logger.warn(
        `second signal: exiting now${options.hurriedNote ? `; ${options.hurriedNote}` : ''}`,
        { signal: reason },
      );
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down', { signal: reason });
    options.stop().then(
      () => {
        logger.info(`${role} stopped cleanly`);
        setTimeout(() => process.exit(0), 1_000).unref();
        void logger.flush().then(() => process.exit(0));
      },
      (err: Error) => {
        logger.error('error while stopping', { error: err.message });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  return shutdown;
}

/** Reports a failed start on stderr and exits: 78 (EX_CONFIG) for bad configuration, else 1. */
export function exitOnStartFailure(program: string, role: string, err: Error): never {
  const prefix = err instanceof ConfigError ? 'configuration error' : `${role} failed to start`;
  process.stderr.write(`${program}: ${prefix}: ${err.message}\n`);
  process.exit(err instanceof ConfigError ? 78 : 1);
}
