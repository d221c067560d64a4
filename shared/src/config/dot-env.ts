import fs from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from '../errors';

/**
 * The environment a process configures itself from: `env` (the real environment) over the
 * variables of `<dir>/.env` when that file exists, so a value exported in the shell, the
 * container or the pod always wins over the file. Parsed by Node's own dotenv parser
 * (util.parseEnv); nothing is written to process.env, so callers decide what sees it.
 */
export function withDotEnv(
  env: NodeJS.ProcessEnv,
  dir: string = process.cwd(),
  file = '.env',
): NodeJS.ProcessEnv {
  const fromFile = readDotEnv(path.resolve(dir, file));
  if (!fromFile) return env;
  const merged: NodeJS.ProcessEnv = { ...fromFile };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) merged[name] = value;
  return merged;
}

function readDotEnv(file: string): Record<string, string> | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseEnv(text) as Record<string, string>;
}
