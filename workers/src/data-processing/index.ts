import {
  batchDataImportTask,
  generateReportTask,
  processUserDataTask,
  updateExchangeRatesTask,
} from '@burrow/contracts';
import { defineHandler } from '@burrow/shared';
import { defineFamily } from '../family';
import { batchDataImport } from './batch-data-import';
import { dataProcessingConfig } from './config';
import { generateReport } from './generate-report';
import { processUserData } from './process-user-data';
import { createDataProcessingServices } from './services';
import { updateExchangeRates } from './update-exchange-rates';

export { ThreadRunner, type ThreadRunnerOptions, type ThreadRunOptions } from './thread-runner';
export { batchDataImport, generateReport, dataProcessingConfig, createDataProcessingServices };
export type { DataProcessingServices } from './services';

/**
 * The `data_processing` queue: user-data operations, paged reports, streaming imports and the
 * hourly exchange-rate trigger; CPU-heavy steps run in killable worker threads.
 */
export const dataProcessingFamily = defineFamily({
  queue: 'data_processing',
  title: 'Data processing (reports, imports)',
  tasks: [
    defineHandler(processUserDataTask, processUserData),
    defineHandler(generateReportTask, generateReport),
    defineHandler(batchDataImportTask, batchDataImport),
    defineHandler(updateExchangeRatesTask, updateExchangeRates),
  ],
  config: dataProcessingConfig,
  createServices: createDataProcessingServices,
});
