import type { TaskContract } from '@burrow/contracts';
import { TaskNames } from './task-names';

type Json = Record<string, unknown>;

const errorBody: Json = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', description: 'Stable code, e.g. invalid_arguments, rate_limited' },
    message: { type: 'string' },
    details: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: {
          path: { type: 'string', description: 'JSON Pointer into the body, or ?option' },
          message: { type: 'string' },
        },
      },
    },
  },
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const errors = (...codes: number[]): Json => {
  const text: Record<number, string> = {
    400: 'Invalid kwargs or options; `details` lists each field path',
    401: 'Missing or unknown API key',
    403: 'The key may not use this task',
    404: 'Unknown task id',
    409: 'Idempotency-Key already used for a different request',
    413: 'Body larger than API_BODY_LIMIT',
    429: 'Rate limit of the key exceeded; see Retry-After',
    501: 'Not available in this build',
  };
  return Object.fromEntries(codes.map((c) => [String(c), json(ref('Error'), text[c] ?? '')]));
};

const taskIdParam = {
  name: 'task_id',
  in: 'path',
  required: true,
  schema: { type: 'string' },
};

/** Strips TypeBox's symbol keys and anything undefined: a plain JSON Schema. */
const plain = (schema: unknown): Json => JSON.parse(JSON.stringify(schema)) as Json;

const componentName = (name: string) => name.replace(/^tasks\./, '');

function submitOperation(contract: TaskContract, alias: string): Json {
  const id = componentName(contract.name);
  return {
    post: {
      operationId: `submit_${id.replace(/\W/g, '_')}`,
      tags: [contract.queue],
      summary: contract.description,
      description: `Publishes \`${contract.name}\` to the \`${contract.queue}\` queue. The path takes the alias \`${alias}\` or the full name; the body is the task's kwargs.`,
      security: [{ bearer: [] }, { apiKey: [] }],
      parameters: [
        {
          name: 'countdown',
          in: 'query',
          schema: { type: 'number', minimum: 0 },
          description: 'Run no sooner than this many seconds from now',
        },
        {
          name: 'eta',
          in: 'query',
          schema: { type: 'string', format: 'date-time' },
          description: 'Run no sooner than this time (not with countdown)',
        },
        {
          name: 'expires',
          in: 'query',
          schema: { type: 'string' },
          description: 'Seconds from now, or an ISO 8601 time, after which the task is revoked',
        },
        {
          name: 'Idempotency-Key',
          in: 'header',
          schema: { type: 'string', maxLength: 255 },
          description:
            'The same key (and request) within API_IDEMPOTENCY_TTL returns the same task',
        },
      ],
      requestBody: {
        required: false,
        content: { 'application/json': { schema: ref(`${id}.kwargs`) } },
      },
      responses: {
        '202': json(ref('Submitted'), 'Published; poll status_url or result_url'),
        ...errors(400, 401, 403, 409, 413, 429),
      },
    },
  };
}

/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the task catalogue: one submit
 * operation per task whose request body is the task's kwargs schema, and the status, result,
 * revoke and catalogue operations. Served at /docs/openapi.json and committed as
 * docs/openapi.json for other languages' code generators. Pure and deterministic.
 */
export function renderOpenApi(catalogue: readonly TaskContract[], version = '0.1.0'): Json {
  const names = new TaskNames(catalogue);
  const schemas: Json = {
    Error: errorBody,
    Submitted: {
      type: 'object',
      required: ['task_id', 'status', 'status_url', 'result_url'],
      properties: {
        task_id: { type: 'string' },
        status: { type: 'string', const: 'PENDING' },
        task: { type: 'string' },
        queue: { type: 'string' },
        eta: { type: ['string', 'null'] },
        expires: { type: ['string', 'null'] },
        status_url: { type: 'string' },
        result_url: { type: 'string' },
      },
    },
    Status: {
      type: 'object',
      required: ['task_id', 'status'],
      properties: {
        task_id: { type: 'string' },
        status: ref('State'),
        state: ref('State'),
        ready: { type: 'boolean' },
        name: { type: ['string', 'null'] },
        queue: { type: ['string', 'null'] },
        progress: { description: 'The handler’s progress report while PROGRESS' },
        retries: { type: 'integer' },
        worker: { type: ['string', 'null'] },
        submitted_at: { type: ['string', 'null'] },
        eta: { type: ['string', 'null'] },
        expires: { type: ['string', 'null'] },
        date_done: { type: ['string', 'null'] },
      },
    },
    Result: {
      type: 'object',
      required: ['task_id', 'status', 'result'],
      properties: {
        task_id: { type: 'string' },
        status: ref('State'),
        ready: { type: 'boolean' },
        result: { description: 'The task’s result on SUCCESS (see the task’s result schema)' },
        error: {
          type: 'object',
          properties: {
            type: { type: 'string' },
            message: { type: 'string' },
            module: { type: ['string', 'null'] },
          },
        },
        traceback: { type: ['string', 'null'] },
        date_done: { type: ['string', 'null'] },
      },
    },
    State: {
      type: 'string',
      enum: ['PENDING', 'STARTED', 'PROGRESS', 'RETRY', 'SUCCESS', 'FAILURE', 'REVOKED'],
    },
  };
  const paths: Json = {};
  for (const contract of catalogue) {
    const id = componentName(contract.name);
    schemas[`${id}.kwargs`] = plain(contract.kwargs);
    schemas[`${id}.result`] = plain(contract.result);
    const alias = names.shortName(contract.name);
    paths[`/api/tasks/${alias}/`] = submitOperation(contract, alias);
  }
  paths['/api/tasks/'] = {
    get: {
      operationId: 'list_tasks',
      summary: 'The task catalogue with each task’s kwargs and result JSON Schemas',
      security: [{ bearer: [] }, { apiKey: [] }],
      responses: { '200': json({ type: 'object' }, 'The catalogue'), ...errors(401) },
    },
  };
  paths['/api/tasks/{task_id}/status/'] = {
    get: {
      operationId: 'get_task_status',
      summary: 'State, progress, retries, worker and times of a task',
      security: [{ bearer: [] }, { apiKey: [] }],
      parameters: [taskIdParam],
      responses: { '200': json(ref('Status'), 'Known task'), ...errors(401, 403, 404) },
    },
  };
  paths['/api/tasks/{task_id}/result/'] = {
    get: {
      operationId: 'get_task_result',
      summary: 'Result or error of a finished task; ?wait=N long-polls up to N seconds',
      security: [{ bearer: [] }, { apiKey: [] }],
      parameters: [
        taskIdParam,
        { name: 'wait', in: 'query', schema: { type: 'number', minimum: 0 } },
      ],
      responses: {
        '200': json(ref('Result'), 'Finished: SUCCESS, FAILURE or REVOKED'),
        '202': json(ref('Result'), 'Not finished yet'),
        ...errors(401, 403, 404),
      },
    },
  };
  paths['/api/tasks/{task_id}'] = {
    delete: {
      operationId: 'revoke_task',
      summary: 'Revokes a task on every worker; ?terminate=true also aborts it if running',
      security: [{ bearer: [] }, { apiKey: [] }],
      parameters: [taskIdParam, { name: 'terminate', in: 'query', schema: { type: 'boolean' } }],
      responses: {
        '202': json({ type: 'object' }, 'Revocation stored and broadcast'),
        ...errors(401, 403, 404),
      },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'burrow HTTP API',
      version,
      description:
        'Submit burrow tasks and read their status and results over HTTP. Every /api route takes an API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
  };
}
