import type { ResultOf, updateExchangeRatesTask } from '@burrow/contracts';
import type { FamilyDeps, FamilyServices } from '../family';
import type { BackendClient } from '../providers/backend-client';
import { FilesInUse } from '../providers/files-in-use';
import type { DataProcessingConfig } from './config';
import { JobState } from './job-state';
import type { ImportState, ReportState } from './states';
import { ThreadRunner } from './thread-runner';

/** What data-processing handlers reach through `ctx.services`. */
export interface DataProcessingServices extends FamilyServices {
  readonly backend: BackendClient;
  readonly settings: DataProcessingConfig;
  /** Worker threads for validation and rendering (DATA_PROCESSING_THREADS). */
  readonly threads: ThreadRunner;
  /** Files being written (reports, error reports): cleanup leaves them alone. */
  readonly filesInUse: Pick<FilesInUse, 'hold'>;
  /** Committed chunks of each import, by task id. */
  readonly imports: JobState<ImportState>;
  /** Committed pages of each report, by task id. */
  readonly reports: JobState<ReportState>;
  /** Each hourly slot's exchange-rate update, by `<base>-<slot>`. */
  readonly rateSlots: JobState<ResultOf<typeof updateExchangeRatesTask>>;
  /** The clock slots and timestamps are read from. */
  readonly now: () => number;
}

export function createDataProcessingServices(
  config: DataProcessingConfig,
  deps: FamilyDeps,
): Promise<DataProcessingServices> {
  const stateOptions = { keyPrefix: deps.keyPrefix, ttlSeconds: deps.resultExpiresSeconds };
  const threads = new ThreadRunner({ threads: config.threads });
  return Promise.resolve({
    backend: deps.backend,
    settings: config,
    threads,
    filesInUse: new FilesInUse(deps.redis, { keyPrefix: deps.keyPrefix }),
    imports: new JobState<ImportState>(deps.redis, 'import', stateOptions),
    reports: new JobState<ReportState>(deps.redis, 'report', stateOptions),
    rateSlots: new JobState(deps.redis, 'exchange-rates', {
      keyPrefix: deps.keyPrefix,
      ttlSeconds: 7_200,
    }),
    now: Date.now,
    close: () => threads.close(),
  });
}
