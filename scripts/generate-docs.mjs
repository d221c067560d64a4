#!/usr/bin/env node
// Regenerates the files derived from the task catalogue and the config schemas: the JSON Schemas
// published for other languages (contracts/schemas/), the Celery client snippet
// (docs/celery_config.py), the HTTP API's OpenAPI document (docs/openapi.json), and the
// catalogue and configuration sections of README.md. `--check`
// writes nothing and exits 1 if any of them is stale, so CI catches a change committed without
// its docs.
//
// Usage: node scripts/generate-docs.mjs [--check]   (after `npm run build`)
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONTRACTS_DIST = path.join(ROOT, 'contracts', 'dist', 'index.js');
const SCHEMAS_DIR = path.join(ROOT, 'contracts', 'schemas');
const CELERY_CONFIG = path.join(ROOT, 'docs', 'celery_config.py');
const README = path.join(ROOT, 'README.md');
const SHARED_DIST = path.join(ROOT, 'shared', 'dist', 'config', 'config-schema.js');
const WORKERS_DIST = path.join(ROOT, 'workers', 'dist', 'index.js');
const SCHEDULER_CONFIG_DIST = path.join(ROOT, 'scheduler', 'dist', 'scheduler-config.js');
const API_DIST = path.join(ROOT, 'api', 'dist', 'openapi.js');
const API_CONFIG_DIST = path.join(ROOT, 'api', 'dist', 'api-config.js');
const OPENAPI = path.join(ROOT, 'docs', 'openapi.json');
// The Celery client settings for QUEUE_TYPE=classic (switching over from Python workers), and
// the environment template every process's `.env` starts from.
const CELERY_CONFIG_CLASSIC = path.join(ROOT, 'docs', 'celery_config_classic.py');
const ENV_EXAMPLE = path.join(ROOT, '.env.example');

function loadContracts() {
  if (!existsSync(CONTRACTS_DIST)) {
    console.error(
      `generate-docs: ${path.relative(ROOT, CONTRACTS_DIST)} is missing; run \`npm run build\` first`,
    );
    process.exit(2);
  }
  // Every package compiles to CommonJS.
  const require = createRequire(import.meta.url);
  const workers = require(WORKERS_DIST);
  return {
    ...require(CONTRACTS_DIST),
    configGroups: [
      {
        title: 'Every process: brokers, results, logs, publishing, worker',
        schema: require(SHARED_DIST).configSchema,
      },
      { title: 'Product backend (every worker)', schema: workers.backendConfig.schema },
      ...workers.loadAllFamilies().map((family) => ({
        title: `${family.title} — \`${family.queue}\` workers only`,
        schema: family.configSchema,
      })),
      { title: 'Scheduler', schema: require(SCHEDULER_CONFIG_DIST).schedulerConfigSchema },
      {
        title: 'HTTP API (`burrow-api`)',
        schema: require(API_CONFIG_DIST).apiConfigFragment.schema,
      },
    ],
  };
}

/** The leaves of a convict schema (objects with an `env`), depth first. */
function leaves(schema) {
  return Object.values(schema).flatMap((node) =>
    node && typeof node === 'object' && 'env' in node ? [node] : leaves(node),
  );
}

/**
 * The configuration tables: one per part (the process settings every burrow process reads,
 * the backend client, each task family, the scheduler), one row per environment variable.
 */
function renderConfigTables(groups) {
  return (
    groups
      .map(({ title, schema }) => {
        const rows = [`**${title}**`, '', '| variable | default | meaning |', '|---|---|---|'];
        for (const leaf of leaves(schema)) {
          let shown =
            leaf.sensitive && leaf.default !== '' ? '(secret)' : JSON.stringify(leaf.default);
          if (leaf.env === 'WORKER_NAME') shown = '`burrow@<hostname>`';
          else shown = shown === '""' ? '(empty)' : `\`${shown.replace(/^"|"$/g, '')}\``;
          const choices = Array.isArray(leaf.format) ? ` One of: ${leaf.format.join(', ')}.` : '';
          rows.push(
            `| \`${leaf.env}\` | ${shown} | ${leaf.doc.replace(/\|/g, '\\|')}.${choices} |`,
          );
        }
        return rows.join('\n');
      })
      .join('\n\n') + '\n'
  );
}

/**
 * `.env.example`: every variable of every config schema, commented out at its default, under
 * its group's title and above its meaning, so a copy as `.env` changes nothing until edited.
 */
function renderEnvExample(groups) {
  const comment = (text) =>
    wrap(text, 98)
      .map((line) => `# ${line}`)
      .join('\n');
  const lines = [
    '# Environment of every burrow process (worker, scheduler, API, the burrow CLI).',
    '# Generated from the config schemas by scripts/generate-docs.mjs; do not edit by hand.',
    '#',
    '# Copy to .env in the directory a process starts in (docker compose reads it too) and set what',
    '# you need. Variables set in the real environment win over .env. Every line here is commented',
    '# out at its default.',
  ];
  // A variable several parts read (SMTP_HOST: email and the health check) is listed once.
  const listed = new Set();
  for (const { title, schema } of groups) {
    lines.push('', `# ${'='.repeat(96)}`, `# ${title.replace(/`/g, '')}`, `# ${'='.repeat(96)}`);
    const again = leaves(schema).filter((leaf) => listed.has(leaf.env));
    if (again.length > 0)
      lines.push('', comment(`Also reads ${again.map((l) => l.env).join(', ')} (above).`));
    for (const leaf of leaves(schema)) {
      if (listed.has(leaf.env)) continue;
      listed.add(leaf.env);
      const choices = Array.isArray(leaf.format) ? ` One of: ${leaf.format.join(', ')}.` : '';
      const value =
        leaf.env === 'WORKER_NAME'
          ? 'burrow@<hostname>'
          : typeof leaf.default === 'string'
            ? leaf.default
            : JSON.stringify(leaf.default);
      lines.push('', comment(`${leaf.doc}.${choices}`), `# ${leaf.env}=${envValue(value)}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** A value as a dotenv line holds it: quoted when it has spaces, quotes or a `#`. */
function envValue(value) {
  return /[\s"'#]/.test(value) ? `'${value}'` : value;
}

/** Words of `text` in lines of at most `width` characters. */
function wrap(text, width) {
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

function readOrNull(file) {
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

/**
 * The README with the text between the markers replaced, or null (with a warning) when the
 * README or its markers are missing: the generator never invents a README layout.
 */
function renderReadme(current, sections) {
  let text = current;
  for (const [name, markdown] of Object.entries(sections)) {
    if (text === null) return null;
    text = renderSection(text, name, markdown);
  }
  return text;
}

function renderSection(current, name, markdown) {
  const START_MARKER = `<!-- ${name}:start -->`;
  const END_MARKER = `<!-- ${name}:end -->`;
  const relative = path.relative(ROOT, README);
  if (current === null) {
    console.warn(`generate-docs: warning: ${relative} not found; catalogue section not written`);
    return null;
  }
  const start = current.indexOf(START_MARKER);
  const end = current.indexOf(END_MARKER, start + START_MARKER.length);
  if (start === -1 || end === -1) {
    console.warn(
      `generate-docs: warning: ${relative} has no ${START_MARKER} … ${END_MARKER} markers; left alone`,
    );
    return null;
  }
  const block = [
    START_MARKER,
    '<!-- Generated by scripts/generate-docs.mjs; do not edit. -->',
    '<!-- prettier-ignore-start -->',
    markdown.trimEnd(),
    '<!-- prettier-ignore-end -->',
    END_MARKER,
  ].join('\n');
  return current.slice(0, start) + block + current.slice(end + END_MARKER.length);
}

/** Every file the generator owns, as absolute path → wanted content (null = must not exist). */
function plan(contracts) {
  const {
    CATALOGUE,
    renderJsonSchemas,
    renderCeleryConfig,
    renderCatalogueMarkdown,
    configGroups,
  } = contracts;
  const wanted = new Map();
  const schemas = renderJsonSchemas(CATALOGUE);
  const existing = existsSync(SCHEMAS_DIR)
    ? readdirSync(SCHEMAS_DIR).filter((name) => name.endsWith('.json'))
    : [];
  for (const name of existing.sort()) wanted.set(path.join(SCHEMAS_DIR, name), null);
  for (const [name, text] of Object.entries(schemas))
    wanted.set(path.join(SCHEMAS_DIR, name), text);
  wanted.set(CELERY_CONFIG, renderCeleryConfig(CATALOGUE));
  wanted.set(CELERY_CONFIG_CLASSIC, renderCeleryConfig(CATALOGUE, { queueType: 'classic' }));
  wanted.set(ENV_EXAMPLE, renderEnvExample(configGroups));
  const readme = renderReadme(readOrNull(README), {
    catalogue: renderCatalogueMarkdown(CATALOGUE),
    config: renderConfigTables(configGroups),
  });
  if (readme !== null) wanted.set(README, readme);
  if (OPENAPI_TEXT !== null) wanted.set(OPENAPI, OPENAPI_TEXT);
  return wanted;
}

function main(argv) {
  const unknown = argv.filter((arg) => arg !== '--check');
  if (unknown.length > 0) {
    console.error(
      `generate-docs: unknown argument ${unknown.join(' ')}; usage: generate-docs.mjs [--check]`,
    );
    return 2;
  }
  const check = argv.includes('--check');
  const wanted = plan(loadContracts());
  const stale = [...wanted]
    .filter(([file, text]) => readOrNull(file) !== text)
    .map(([file]) => file);

  if (check) {
    if (stale.length === 0) {
      console.log('generate-docs: generated files are up to date');
      return 0;
    }
    console.error(
      'generate-docs: these files differ from the catalogue (run `node scripts/generate-docs.mjs`):',
    );
    for (const file of stale) console.error(`  ${path.relative(ROOT, file)}`);
    return 1;
  }

  for (const file of stale) {
    const text = wanted.get(file);
    if (text === null) {
      rmSync(file);
      console.log(`removed ${path.relative(ROOT, file)}`);
    } else {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
      console.log(`wrote   ${path.relative(ROOT, file)}`);
    }
  }
  if (stale.length === 0) console.log('generate-docs: nothing to do, files are up to date');
  return 0;
}

/**
 * The HTTP API's OpenAPI 3.1 document (docs/openapi.json), generated from the catalogue by the
 * api package and formatted as Prettier formats JSON, so `prettier --check` agrees with it.
 * Null (with a warning) when the api package is not built.
 */
async function renderOpenApiFile() {
  if (!existsSync(API_DIST)) {
    console.warn(
      `generate-docs: warning: ${path.relative(ROOT, API_DIST)} missing; openapi.json not checked`,
    );
    return null;
  }
  const require = createRequire(import.meta.url);
  const { renderOpenApi } = require(API_DIST);
  const { CATALOGUE } = require(CONTRACTS_DIST);
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(OPENAPI)) ?? {};
  return prettier.format(JSON.stringify(renderOpenApi(CATALOGUE)), { ...options, parser: 'json' });
}

const OPENAPI_TEXT = existsSync(CONTRACTS_DIST) ? await renderOpenApiFile() : null;

process.exitCode = main(process.argv.slice(2));
