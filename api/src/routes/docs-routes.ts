import type { FastifyInstance } from 'fastify';

type Json = Record<string, unknown>;

/** `/docs/openapi.json` and `/docs`, a plain page of the operations and schemas (no scripts). */
export function registerDocsRoutes(app: FastifyInstance, openapi: Json): void {
  const page = renderDocsPage(openapi);
  app.get('/docs/openapi.json', (_request, reply) => reply.send(openapi));
  app.get('/docs', (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The OpenAPI document as one static HTML page: an index of operations, then each schema. */
export function renderDocsPage(openapi: Json): string {
  const info = openapi.info as { title: string; version: string; description: string };
  const paths = openapi.paths as Record<string, Record<string, Json>>;
  const schemas = (openapi.components as { schemas: Record<string, unknown> }).schemas;
  const rows: string[] = [];
  for (const [path, operations] of Object.entries(paths))
    for (const [method, op] of Object.entries(operations)) {
      const body = (op.requestBody as { content?: Record<string, { schema?: { $ref?: string } }> })
        ?.content?.['application/json']?.schema?.$ref;
      const schemaName = body?.split('/').pop();
      rows.push(
        `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escape(path)}</code></td>` +
          `<td>${escape(String(op.summary ?? ''))}</td>` +
          `<td>${schemaName ? `<a href="#${escape(schemaName)}">${escape(schemaName)}</a>` : ''}</td>` +
          `<td>${Object.keys(op.responses as Json).join(' ')}</td></tr>`,
      );
    }
  const sections = Object.entries(schemas).map(
    ([name, schema]) =>
      `<section id="${escape(name)}"><h3>${escape(name)}</h3><pre>${escape(JSON.stringify(schema, null, 2))}</pre></section>`,
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(info.title)}</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1b1b1b; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
pre { background: #f6f6f6; padding: .75rem; overflow: auto; font-size: 13px; }
code { font-size: 13px; }
</style>
</head>
<body>
<main>
<h1>${escape(info.title)} <small>${escape(info.version)}</small></h1>
<p>${escape(info.description)}</p>
<p>Machine-readable: <a href="/docs/openapi.json">/docs/openapi.json</a> (OpenAPI 3.1).</p>
<h2>Operations</h2>
<table>
<thead><tr><th scope="col">Method</th><th scope="col">Path</th><th scope="col">Summary</th><th scope="col">Body</th><th scope="col">Responses</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
<h2>Schemas</h2>
${sections.join('\n')}
</main>
</body>
</html>
`;
}
