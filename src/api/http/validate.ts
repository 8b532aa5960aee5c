import type { Static, TSchema } from '@sinclair/typebox';
import type { ErrorObject } from 'ajv/dist/2020';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { PATTERN_MESSAGES } from '../schemas/requests';

/** One reason a value does not match: where, and why. */
export interface Problem {
  field: string;
  message: string;
}

/** A validated value of type T, or every problem found. */
export type Checked<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

/** A compiled schema that checks untrusted input and types what passes. */
export interface Checker<T> {
  /** The schema itself, as it appears in the OpenAPI document. */
  readonly schema: TSchema;
  check(value: unknown): Checked<T>;
}

/** Deeper JSON than any request schema needs (they nest three levels): refused before validation. */
export const MAX_DEPTH = 16;

function createAjv(coerceTypes: boolean): Ajv2020 {
  // strict: unknown keywords and ambiguous schemas are errors at compile time;
  // allErrors: a 400 lists every problem, not only the first; verbose: union
  // branches' schemas reach the error messages below.
  const ajv = new Ajv2020({ strict: true, allErrors: true, verbose: true, coerceTypes });
  addFormats(ajv, ['date-time']);
  return ajv;
}

// JSON bodies and answers are checked as sent; path, query and header values
// arrive as text, so only they are coerced ("5" -> 5 where a number is wanted).
const jsonAjv = createAjv(false);
const textAjv = createAjv(true);

/** Whether JSON `value` nests deeper than `limit` (iterative: a 10,000-deep array must not overflow the stack). */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [v, depth] = item;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

function checker<S extends TSchema>(ajv: Ajv2020, schema: S, where: string, maxDepth: number | null): Checker<Static<S>> {
  const validate = ajv.compile<Static<S>>(schema);
  return {
    schema,
    check(value) {
      if (maxDepth !== null && nestedDeeperThan(value, maxDepth)) {
        return { ok: false, problems: [{ field: where, message: `must not nest deeper than ${maxDepth} levels` }] };
      }
      if (validate(value)) return { ok: true, value };
      return { ok: false, problems: explain(validate.errors ?? [], where) };
    },
  };
}

/** A checker for JSON request bodies: no coercion, no nesting beyond MAX_DEPTH. `where` names the input in problems ("body"). */
export function jsonChecker<S extends TSchema>(schema: S, where: string): Checker<Static<S>> {
  return checker(jsonAjv, schema, where, MAX_DEPTH);
}

/** A checker for text inputs (path, query, headers): numbers and booleans are coerced from their text. */
export function textChecker<S extends TSchema>(schema: S, where: string): Checker<Static<S>> {
  return checker(textAjv, schema, where, MAX_DEPTH);
}

/** A checker for the API's own answers (any depth: the OpenAPI document nests deeply). */
export function responseChecker<S extends TSchema>(schema: S, where: string): Checker<Static<S>> {
  return checker(jsonAjv, schema, where, null);
}

/** Whether `schema` accepts `value` (used to tell whether a body may be omitted). */
export function accepts(schema: TSchema, value: unknown): boolean {
  return jsonAjv.validate(schema, value);
}

// ---- Human messages from Ajv errors ----

function fieldOf(where: string, pointer: string): string {
  let field = where;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    field += /^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`;
  }
  return field;
}

const TYPE_NAMES: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

function typeNames(types: unknown): string {
  const list = (Array.isArray(types) ? types : [types]).map((t) => TYPE_NAMES[String(t)] ?? String(t));
  return list.join(' or ');
}

function messageOf(e: ErrorObject): string {
  const p: Record<string, unknown> = e.params;
  switch (e.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not allowed here';
    case 'type':
      return `must be ${typeNames(p.type)}`;
    case 'enum':
      return `must be one of ${(Array.isArray(p.allowedValues) ? p.allowedValues : []).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'minimum':
      return `must be at least ${String(p.limit)}`;
    case 'maximum':
      return `must be at most ${String(p.limit)}`;
    case 'minLength':
      return p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters long`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters long`;
    case 'minItems':
      return `must have at least ${String(p.limit)} items`;
    case 'maxItems':
      return `must have at most ${String(p.limit)} items`;
    case 'uniqueItems':
      return 'must not repeat items';
    case 'pattern':
      return PATTERN_MESSAGES[String(p.pattern)] ?? `must match ${String(p.pattern)}`;
    case 'format':
      return p.format === 'date-time' ? 'must be a date-time such as 2025-01-01T00:00:00Z' : `must be a ${String(p.format)}`;
    default:
      return e.message ?? 'is not valid';
  }
}

function problemOf(e: ErrorObject, where: string): Problem {
  const p: Record<string, unknown> = e.params;
  const base = fieldOf(where, e.instancePath);
  if (e.keyword === 'required') return { field: `${base}.${String(p.missingProperty)}`, message: messageOf(e) };
  if (e.keyword === 'additionalProperties') return { field: `${base}.${String(p.additionalProperty)}`, message: messageOf(e) };
  return { field: base, message: messageOf(e) };
}

/** The alternatives of a union: their descriptions, or else the kinds of value they take. */
function alternatives(union: ErrorObject, kindsOnly: boolean): string {
  const branches: unknown[] = Array.isArray(union.schema) ? union.schema : [];
  const field = (b: unknown, key: string): unknown =>
    typeof b === 'object' && b !== null ? Object.getOwnPropertyDescriptor(b, key)?.value : undefined;
  const described = branches.map((b) => field(b, 'description'));
  if (!kindsOnly && described.every((d) => typeof d === 'string')) return described.join('; ');
  return typeNames([...new Set(branches.map((b) => field(b, 'type')))]);
}

/**
 * Turns Ajv's errors into one problem per field. A union (anyOf) reports the
 * errors of the one alternative the value was evidently meant for (the right
 * kind of value, and the right fields), or else one problem listing the
 * alternatives, rather than every error of every alternative.
 */
function explain(errors: readonly ErrorObject[], where: string): Problem[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  if (unions.length === 0) {
    const seen = new Set<string>();
    return errors
      .map((e) => problemOf(e, where))
      .filter((p) => {
        const key = `${p.field}\n${p.message}`;
        return !seen.has(key) && Boolean(seen.add(key));
      });
  }
  const union = unions.reduce((a, b) => (b.schemaPath.length < a.schemaPath.length ? b : a));
  const base = `${union.schemaPath}/`;
  const rest = errors.filter((e) => e !== union && !e.schemaPath.startsWith(base));
  const branches = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    if (!e.schemaPath.startsWith(base)) continue;
    const index = e.schemaPath.slice(base.length).split('/')[0] ?? '';
    branches.set(index, [...(branches.get(index) ?? []), e]);
  }
  const at = union.instancePath;
  const rootIs = (index: string, errs: ErrorObject[], keywords: string[]) =>
    errs.some((e) => e.instancePath === at && keywords.some((k) => e.schemaPath === `${base}${index}/${k}`));
  const rightKind = [...branches].filter(([i, errs]) => !rootIs(i, errs, ['type']));
  const rightFields = rightKind.filter(([i, errs]) => !rootIs(i, errs, ['required', 'additionalProperties']));
  const meant = rightKind.length === 1 ? rightKind[0] : rightFields.length === 1 ? rightFields[0] : undefined;
  if (meant) return explain([...rest, ...meant[1]], where);
  const message =
    rightKind.length === 0 ? `must be ${alternatives(union, true)}` : `must match exactly one of: ${alternatives(union, false)}`;
  return [...explain(rest, where), { field: fieldOf(where, at), message }];
}
