/**
 * The jobs the family runs in worker threads (see thread-runner.ts), one named export each.
 * Inputs and outputs cross the thread boundary by structured clone: plain data only.
 */
import type { RenderInput, RenderOutput } from './report-render';

export { readChunks } from './import-reader';

/**
 * Renders a report (report-render.ts). exceljs is loaded on a thread's first render, so
 * threads that only read imports never carry it.
 */
export function renderReport(input: RenderInput): Promise<RenderOutput> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading on demand is the point
  const render = require('./report-render') as typeof import('./report-render');
  return render.renderReport(input);
}
