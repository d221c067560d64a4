import path from 'node:path';
import { ConfigError, loadConfigFragment } from '@burrow/shared';
import { dataProcessingConfig } from '../../src/data-processing/config';
import { dataProcessingFamily } from '../../src/data-processing';
import { loadFamilies } from '../../src/families';

describe('data-processing config', () => {
  it("defaults: ./reports and ./imports, no import URLs, the seed's exchange-rate path", () => {
    const config = loadConfigFragment(dataProcessingConfig, {});
    expect(config).toMatchObject({
      reportsDir: path.resolve('reports'),
      importsDir: path.resolve('imports'),
      importUrlAllowlist: [],
      exchangeRatesPath: '/internal/exchange-rates/update',
      reportPageSize: 1000,
      threads: 2,
    });
    expect(config.reportPaths.sales).toBe('/internal/reports/sales/rows');
  });

  it('reads the allow-list and report paths', () => {
    const config = loadConfigFragment(dataProcessingConfig, {
      IMPORT_URL_ALLOWLIST: 'https://data.example.com, https://cdn.example.org/exports/',
      BACKEND_REPORT_PATHS: 'sales=/api/sales/export',
    });
    expect(config.importUrlAllowlist).toEqual([
      'https://data.example.com/',
      'https://cdn.example.org/exports/',
    ]);
    expect(config.reportPaths.sales).toBe('/api/sales/export');
    expect(config.reportPaths.task_stats).toBe('/internal/reports/task_stats/rows');
  });

  it.each([
    [
      { IMPORT_URL_ALLOWLIST: 'data.example.com' },
      /IMPORT_URL_ALLOWLIST: "data.example.com" is not an absolute URL/,
    ],
    [{ IMPORT_URL_ALLOWLIST: 'ftp://x/' }, /not an http\(s\) URL/],
    [{ BACKEND_REPORT_PATHS: 'everything=/x' }, /BACKEND_REPORT_PATHS: "everything=\/x" must be/],
    [{ DATA_PROCESSING_THREADS: '0' }, /DATA_PROCESSING_THREADS: must be 1 or more/],
  ])('refuses %p', (env, message) => {
    expect(() => loadConfigFragment(dataProcessingConfig, env)).toThrow(ConfigError);
    expect(() => loadConfigFragment(dataProcessingConfig, env)).toThrow(message);
  });

  it('is the family of the data_processing queue, with a handler for each task', () => {
    expect(loadFamilies(['data_processing'])).toEqual([dataProcessingFamily]);
    expect(dataProcessingFamily.queue).toBe('data_processing');
  });
});
