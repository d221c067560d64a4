import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '@burrow/shared';
import type { ScheduleEntry } from './schedule-entry';

/**
 * An override file: either a list of entries, or `{ replaceDefaults?, entries }`. Entries
 * replace defaults of the same name (or add new ones); `enabled: false` switches one off;
 * `replaceDefaults: true` drops every default not listed.
 */
export interface ScheduleFile {
  readonly replaceDefaults: boolean;
  readonly entries: readonly ScheduleEntry[];
}

/** Reads a JSON or YAML (.yaml/.yml) schedule file; a ConfigError names the file on any fault. */
export function readScheduleFile(file: string): ScheduleFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`SCHEDULE_FILE: cannot read ${file}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(path.extname(file)) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`SCHEDULE_FILE: ${file} does not parse: ${(err as Error).message}`);
  }
  if (Array.isArray(data)) return { replaceDefaults: false, entries: entriesOf(data, file) };
  if (data && typeof data === 'object' && Array.isArray((data as { entries?: unknown }).entries)) {
    const { replaceDefaults, entries } = data as { replaceDefaults?: unknown; entries: unknown[] };
    return { replaceDefaults: replaceDefaults === true, entries: entriesOf(entries, file) };
  }
  throw new ConfigError(`SCHEDULE_FILE: ${file} must hold a list of entries or { entries: [...] }`);
}

function entriesOf(items: unknown[], file: string): ScheduleEntry[] {
  return items.map((item, i) => {
    if (!item || typeof item !== 'object' || typeof (item as { name?: unknown }).name !== 'string')
      throw new ConfigError(`SCHEDULE_FILE: ${file} entry #${i + 1} has no name`);
    return item as ScheduleEntry;
  });
}

/** Defaults overlaid with the file's entries, by name, in a stable order. */
export function mergeSchedules(
  defaults: readonly ScheduleEntry[],
  file: ScheduleFile | null,
): ScheduleEntry[] {
  if (!file) return [...defaults];
  const overrides = new Map(file.entries.map((e) => [e.name, e]));
  const base = file.replaceDefaults ? [] : defaults.map((e) => overrides.get(e.name) ?? e);
  const baseNames = new Set(base.map((e) => e.name));
  return [...base, ...file.entries.filter((e) => !baseNames.has(e.name))];
}
