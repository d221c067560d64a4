/**
 * Short, TypeScript-like descriptions of JSON Schemas for documentation tables. Works on plain
 * JSON Schema keywords (not TypeBox symbols), so contracts added by user modules render too.
 */

type Schema = Readonly<Record<string, unknown>>;

const MAX_DEPTH = 2;

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function schemaList(value: unknown): Schema[] {
  return Array.isArray(value) ? value.filter(isSchema) : [];
}

/** Names of an object schema's properties, in declaration order, with `?` on optional ones. */
export function propertyNames(schema: Schema): string[] {
  const properties = isSchema(schema['properties']) ? schema['properties'] : {};
  const required = new Set(Array.isArray(schema['required']) ? schema['required'] : []);
  return Object.keys(properties).map((key) => (required.has(key) ? key : `${key}?`));
}

function describeObject(schema: Schema, depth: number): string {
  const properties = isSchema(schema['properties']) ? schema['properties'] : undefined;
  if (properties !== undefined && Object.keys(properties).length > 0) {
    return `{${propertyNames(schema).join(', ')}}`;
  }
  const patterns = isSchema(schema['patternProperties']) ? schema['patternProperties'] : {};
  const [valueSchema] = Object.values(patterns);
  if (valueSchema !== undefined) {
    return `Record<string, ${describeSchema(valueSchema, depth + 1)}>`;
  }
  if (isSchema(schema['additionalProperties'])) {
    return `Record<string, ${describeSchema(schema['additionalProperties'], depth + 1)}>`;
  }
  return schema['additionalProperties'] === false ? '{}' : 'object';
}

function withParens(text: string): string {
  return text.includes(' | ') ? `(${text})` : text;
}

/**
 * `string`, `integer`, `'csv' | 'json'`, `string[]`, `{email, name?}`, `Record<string, string>`,
 * `any` for an unconstrained schema. Deeper structures collapse to `object`/`array`.
 */
export function describeSchema(schema: unknown, depth = 0): string {
  if (!isSchema(schema)) return 'any';
  if ('const' in schema) return JSON.stringify(schema['const']).replace(/^"(.*)"$/, "'$1'");
  if (Array.isArray(schema['enum'])) {
    return schema['enum'].map((v) => JSON.stringify(v).replace(/^"(.*)"$/, "'$1'")).join(' | ');
  }
  const variants = [...schemaList(schema['anyOf']), ...schemaList(schema['oneOf'])];
  if (variants.length > 0) {
    return variants.map((variant) => describeSchema(variant, depth)).join(' | ');
  }
  const type = schema['type'];
  if (Array.isArray(type)) return type.join(' | ');
  if (type === 'array') {
    if (depth >= MAX_DEPTH) return 'array';
    return `${withParens(describeSchema(schema['items'], depth + 1))}[]`;
  }
  if (type === 'object') return depth >= MAX_DEPTH ? 'object' : describeObject(schema, depth);
  return typeof type === 'string' ? type : 'any';
}

/** The default value of a schema as JSON, or undefined when it has none. */
export function describeDefault(schema: unknown): string | undefined {
  if (!isSchema(schema) || !('default' in schema)) return undefined;
  return JSON.stringify(schema['default']).replace(/^"(.*)"$/, "'$1'");
}

/** Lines `name: type` (with `?` and `= default`) for each property of an object schema. */
export function describeFields(schema: unknown, order?: readonly string[]): string[] {
  if (!isSchema(schema) || schema['type'] !== 'object' || !isSchema(schema['properties'])) {
    return [describeSchema(schema)];
  }
  const properties = schema['properties'];
  const required = new Set(Array.isArray(schema['required']) ? schema['required'] : []);
  const names = order ?? Object.keys(properties);
  return names.map((name) => {
    const property = properties[name];
    const fallback = describeDefault(property);
    const optional = required.has(name) ? '' : '?';
    return `${name}${optional}: ${describeSchema(property)}${fallback === undefined ? '' : ` = ${fallback}`}`;
  });
}
