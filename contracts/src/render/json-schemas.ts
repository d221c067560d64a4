import type { TaskContract } from '../task-contract';

/** The JSON Schema dialect of the generated files. */
export const JSON_SCHEMA_DRAFT = 'http://json-schema.org/draft-07/schema#';

/**
 * One JSON document per task, for publishers in other languages: keyed `<task name>.json`, in
 * catalogue order, each pretty-printed with 2 spaces and a trailing newline. The document holds
 * the positional parameter order (and the seed call, where known) and the kwargs and result
 * schemas (validate a message's kwargs against `#/kwargs`). TypeBox's symbol keys are dropped
 * by JSON.stringify. Pure.
 */
export function renderJsonSchemas(catalogue: readonly TaskContract[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const contract of catalogue) {
    const fileName = `${contract.name}.json`;
    if (fileName in files) throw new Error(`task ${contract.name} appears twice in the catalogue`);
    const document = {
      $schema: JSON_SCHEMA_DRAFT,
      $id: `burrow/${contract.name}`,
      title: contract.name,
      description: contract.description,
      queue: contract.queue,
      params: contract.params,
      ...(contract.seedCall === undefined ? {} : { seedCall: contract.seedCall }),
      kwargs: contract.kwargs,
      result: contract.result,
      defaults: contract.defaults,
    };
    files[fileName] = `${JSON.stringify(document, null, 2)}\n`;
  }
  return files;
}
