/**
 * A small JSON Schema (2020-12 subset) validator. The same schema objects
 * validate requests and appear verbatim in the OpenAPI 3.1 document, so the
 * documentation cannot drift from what the API accepts.
 */

/** JSON types the validator knows. */
export type JsonType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'null';

/** The subset of JSON Schema used by the API. */
export interface Schema {
  type?: JsonType | readonly JsonType[];
  description?: string;
  properties?: Readonly<Record<string, Schema>>;
  required?: readonly string[];
  additionalProperties?: boolean;
  enum?: readonly (string | number | boolean | null)[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  oneOf?: readonly Schema[];
  format?: string;
}

/** One reason a value does not match: where, and why. */
export interface Problem {
  field: string;
  message: string;
}

/** Validation result: the (possibly coerced) value and the problems found. */
export interface Validated {
  value: unknown;
  problems: Problem[];
}

function typeOf(value: unknown): JsonType | 'undefined' | 'other' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'object') return typeof value as JsonType;
  return value === undefined ? 'undefined' : 'other';
}

function matchesType(actual: ReturnType<typeof typeOf>, wanted: JsonType): boolean {
  return actual === wanted || (wanted === 'number' && actual === 'integer');
}

/** Query and path values arrive as text: turn "5" into 5 and "true" into true where the schema asks. */
function coerce(value: unknown, types: readonly JsonType[]): unknown {
  if (typeof value !== 'string') return value;
  if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (types.includes('boolean') && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

const patterns = new Map<string, RegExp>();
function regex(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (!re) patterns.set(pattern, (re = new RegExp(pattern, 'u')));
  return re;
}

function check(schema: Schema, input: unknown, field: string, fromText: boolean, out: Problem[]): unknown {
  const types = schema.type === undefined ? [] : typeof schema.type === 'string' ? [schema.type] : schema.type;
  const value = fromText ? coerce(input, types) : input;
  const problem = (message: string): unknown => {
    out.push({ field, message });
    return value;
  };
  const actual = typeOf(value);
  if (types.length > 0 && !types.some((t) => matchesType(actual, t))) {
    return problem(
      `must be ${types.map((t) => (t === 'integer' ? 'a whole number' : `${/^[aeiou]/.test(t) ? 'an' : 'a'} ${t}`)).join(' or ')}`,
    );
  }
  if (schema.enum && !schema.enum.includes(value as string))
    return problem(`must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && [...value].length < schema.minLength) {
      return problem(schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters long`);
    }
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength)
      return problem(`must be at most ${schema.maxLength} characters long`);
    if (schema.pattern !== undefined && !regex(schema.pattern).test(value)) return problem(`must match ${schema.pattern}`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) return problem(`must be at least ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) return problem(`must be at most ${schema.maximum}`);
  }
  if (Array.isArray(value)) return checkArray(schema, value, field, fromText, out);
  if (actual === 'object') return checkObject(schema, value as Record<string, unknown>, field, fromText, out);
  if (schema.oneOf) return checkOneOf(schema.oneOf, value, field, fromText, out);
  return value;
}

function checkArray(schema: Schema, value: unknown[], field: string, fromText: boolean, out: Problem[]): unknown {
  if (schema.minItems !== undefined && value.length < schema.minItems)
    out.push({ field, message: `must have at least ${schema.minItems} items` });
  if (schema.maxItems !== undefined && value.length > schema.maxItems)
    out.push({ field, message: `must have at most ${schema.maxItems} items` });
  if (schema.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length)
    out.push({ field, message: 'must not repeat items' });
  const items = schema.items;
  return items ? value.map((v, i) => check(items, v, `${field}[${i}]`, fromText, out)) : value;
}

function checkObject(schema: Schema, value: Record<string, unknown>, field: string, fromText: boolean, out: Problem[]): unknown {
  const result: Record<string, unknown> = {};
  const at = (key: string) => (field ? `${field}.${key}` : key);
  for (const key of schema.required ?? []) {
    if (value[key] === undefined) out.push({ field: at(key), message: 'is required' });
  }
  for (const [key, v] of Object.entries(value)) {
    const sub = schema.properties?.[key];
    if (sub) result[key] = check(sub, v, at(key), fromText, out);
    else if (schema.additionalProperties === false) out.push({ field: at(key), message: 'is not allowed here' });
    else result[key] = v;
  }
  return schema.oneOf ? checkOneOf(schema.oneOf, result, field, fromText, out) : result;
}

function checkOneOf(options: readonly Schema[], value: unknown, field: string, fromText: boolean, out: Problem[]): unknown {
  const matching = options.filter((o) => validate(o, value, field, fromText).problems.length === 0);
  if (matching.length === 1) return value;
  const alternatives = options.map((o) => o.description ?? JSON.stringify(o.required ?? o.type)).join('; ');
  out.push({ field: field || 'body', message: `must match exactly one of: ${alternatives}` });
  return value;
}

/**
 * Validates `value` against `schema`; `fromText` coerces strings to numbers or
 * booleans where the schema wants them (path and query values).
 */
export function validate(schema: Schema, value: unknown, field = '', fromText = false): Validated {
  const problems: Problem[] = [];
  const result = check(schema, value, field, fromText, problems);
  return { value: result, problems };
}
