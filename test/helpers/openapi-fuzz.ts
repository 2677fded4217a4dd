import fc from 'fast-check';
import Ajv, { type ValidateFunction } from 'ajv';

/**
 * A bounded property-based fuzz of an OpenAPI 3.0 document: requests are drawn
 * from each operation's parameter and body schemas (valid values, slightly
 * broken ones, and hostile ones: U+0000, lone surrogates, huge numbers, deep
 * nesting), and every response is checked against the document.
 */

type Schema = Record<string, any>;
export type OpenApiDoc = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } };

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Schema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
  security?: Array<Record<string, string[]>>;
}

export interface FuzzRequest {
  method: string;
  /** Already percent-encoded. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface FuzzOperation {
  method: string;
  path: string;
  operation: Operation;
}

/** Credentials per security scheme, as header sets. */
export type Credentials = Record<string, Record<string, string>>;

export interface FuzzOptions {
  credentials: Credentials;
  /** Known values per parameter name (e.g. ids of seeded templates), so requests also reach existing entities. */
  examples?: Record<string, string[]>;
}

const MAX_DEPTH = 4;

/** Percent-encoded by hand: `encodeURIComponent` throws on lone surrogates, which are part of the fuzz. */
const HOSTILE_URL_VALUES = ['%00', 'a%00b', '%ED%A0%80', 'x%ED%B0%80', '%FF', '99999999999999999999', '-1', '2147483648', '', '%20', '%2F'];

const HOSTILE_STRINGS = ['\u0000', 'a\u0000b', '\ud800', 'x\udc00', '\ud83d', '99999999999999999999', '', ' ', '\u202e', 'x'.repeat(5000), '{{ profile }}', '<a href="javascript:x">'];
const HOSTILE_NUMBERS = [2147483648, -2147483649, 9223372036854775807, 1e308, -1e308, 0, -1, 1.5, 99999999999999999999];

/** A JSON text nested `depth` levels deep (built as text: no recursion here). */
const nestedJson = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const DEEP = Symbol('deep');

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.constantFrom(...HOSTILE_NUMBERS),
  fc.constantFrom<unknown>(null, true, [], {}, { '\u0000': 1 }, { '\ud800': 'x' }, [['\u0000']], DEEP),
);

/** JSON text for a value, where DEEP stands for 5,000 levels of nesting. */
function toJson(value: unknown): string {
  const placeholder = '"__homing_fuzz_deep__"';
  return JSON.stringify(value, (_k, v) => (v === DEEP ? '__homing_fuzz_deep__' : v)).replaceAll(placeholder, nestedJson(5000));
}

function resolve(doc: OpenApiDoc, schema: Schema): Schema {
  const ref = schema?.$ref as string | undefined;
  if (!ref) return schema ?? {};
  const name = ref.replace('#/components/schemas/', '');
  return doc.components?.schemas?.[name] ?? {};
}

/** Merges an anyOf/oneOf branch into the schema around it (e.g. `properties` + `anyOf: [{required: [a]}, {required: [b]}]`). */
function merge(base: Schema, branch: Schema): Schema {
  const { anyOf: _a, oneOf: _o, ...rest } = base;
  return {
    ...rest,
    ...branch,
    properties: { ...rest.properties, ...branch.properties },
    required: [...(rest.required ?? []), ...(branch.required ?? [])],
    type: branch.type ?? rest.type,
  };
}

/** A value that fits the schema (within reason: formats and the like are best effort). */
export function validValue(doc: OpenApiDoc, input: Schema, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(doc, input);
  const nullable = schema.nullable ? (arb: fc.Arbitrary<unknown>) => fc.oneof({ arbitrary: arb, weight: 4 }, { arbitrary: fc.constant(null), weight: 1 }) : (arb: fc.Arbitrary<unknown>) => arb;
  const branches = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (branches) return nullable(fc.oneof(...branches.map((b) => validValue(doc, merge(schema, resolve(doc, b)), depth))));
  if (schema.allOf) return validValue(doc, (schema.allOf as Schema[]).reduce((acc, s) => merge(acc, resolve(doc, s)), { ...schema, allOf: undefined }), depth);
  if (schema.enum) return nullable(fc.constantFrom(...(schema.enum as unknown[])));
  if ('const' in schema) return fc.constant(schema.const);
  switch (schema.type) {
    case 'string': {
      if (schema.pattern) return nullable(fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= (schema.minLength ?? 0) && s.length <= (schema.maxLength ?? Infinity)));
      return nullable(fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 20, 20) }).filter((s) => s.length >= (schema.minLength ?? 0)));
    }
    case 'integer':
      return nullable(fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 }));
    case 'number':
      return nullable(fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000, noNaN: true, noDefaultInfinity: true }));
    case 'boolean':
      return nullable(fc.boolean());
    case 'array':
      if (depth >= MAX_DEPTH) return fc.constant([]);
      return nullable(fc.array(validValue(doc, schema.items ?? {}, depth + 1), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 3, 3) }));
    case 'object':
      return nullable(objectValue(doc, schema, depth));
    default:
      // {}: any JSON value
      return depth >= MAX_DEPTH ? fc.constant(null) : fc.jsonValue({ maxDepth: 2 });
  }
}

function objectValue(doc: OpenApiDoc, schema: Schema, depth: number): fc.Arbitrary<unknown> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set<string>(schema.required ?? []);
  const known = fc.record(
    Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, validValue(doc, s, depth + 1)])),
    { requiredKeys: Object.keys(properties).filter((k) => required.has(k)) },
  );
  const extra = schema.additionalProperties;
  if (!extra || depth >= MAX_DEPTH) return known;
  const values = extra === true ? fc.jsonValue({ maxDepth: 2 }) : validValue(doc, extra, depth + 1);
  return fc.tuple(known, fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), values, { maxKeys: 3 })).map(([k, e]) => ({ ...e, ...k }));
}

/** A valid value with one part broken: a property replaced by a hostile value, a required one dropped, or one added. */
function brokenValue(doc: OpenApiDoc, schema: Schema): fc.Arbitrary<unknown> {
  return fc.tuple(validValue(doc, schema), hostileValue, fc.nat(), fc.constantFrom('replace', 'drop', 'add', 'whole')).map(([value, hostile, pick, how]) => {
    if (how === 'whole' || typeof value !== 'object' || value === null) return hostile;
    const target = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
    const keys = Object.keys(target);
    const key = keys.length > 0 ? keys[pick % keys.length]! : 'x';
    if (how === 'drop') delete (target as Record<string, unknown>)[key];
    else (target as Record<string, unknown>)[how === 'add' ? `\u0000${key}` : key] = hostile;
    return target;
  });
}

const encode = (value: unknown) => encodeURIComponent(typeof value === 'string' ? value.replace(/[\ud800-\udfff]/g, '\ufffd') : JSON.stringify(value) ?? '');

/** A URL value: mostly valid, sometimes a hostile one already percent-encoded. */
function urlValue(doc: OpenApiDoc, p: Parameter, examples: string[]): fc.Arbitrary<string> {
  const valid = validValue(doc, p.schema).map(encode);
  const known = examples.length > 0 ? [{ arbitrary: fc.constantFrom(...examples).map(encode), weight: 3 }] : [];
  return fc.oneof({ arbitrary: valid, weight: 3 }, ...known, { arbitrary: fc.constantFrom(...HOSTILE_URL_VALUES), weight: 2 });
}

function bodyOf(doc: OpenApiDoc, op: Operation): fc.Arbitrary<{ contentType?: string; body?: string }> {
  const content = op.requestBody?.content;
  if (!content) return fc.constant({});
  const [contentType, { schema }] = Object.entries(content)[0]!;
  const value = fc.oneof({ arbitrary: validValue(doc, schema), weight: 3 }, { arbitrary: brokenValue(doc, schema), weight: 3 });
  if (contentType === 'application/x-www-form-urlencoded') {
    return value.map((v) => ({
      contentType,
      body: typeof v === 'object' && v !== null ? Object.entries(v).map(([k, x]) => `${encode(k)}=${typeof x === 'string' ? encode(x) : encode(JSON.stringify(x))}`).join('&') : String(v),
    }));
  }
  return fc.oneof(
    { arbitrary: value.map((v) => ({ contentType, body: toJson(v) })), weight: 9 },
    { arbitrary: fc.constantFrom({ contentType }, { contentType, body: '{"a":' }, { contentType, body: nestedJson(5000) }), weight: 1 },
  );
}

/** Every operation of the document. */
export function operationsOf(doc: OpenApiDoc): FuzzOperation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })));
}

/** Requests for one operation: documented credentials most of the time, none or the wrong ones sometimes. */
export function requestsOf(doc: OpenApiDoc, { method, path, operation }: FuzzOperation, options: FuzzOptions): fc.Arbitrary<FuzzRequest> {
  const params = operation.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const queryParams = params.filter((p) => p.in === 'query');
  const schemes = (operation.security ?? []).flatMap((s) => Object.keys(s)).map((name) => options.credentials[name] ?? {});
  const auth = schemes.length === 0 ? fc.constant({}) : fc.oneof({ arbitrary: fc.constantFrom(...schemes), weight: 8 }, { arbitrary: fc.constantFrom({}, { authorization: 'Bearer wrong' }), weight: 1 });
  const url = fc.tuple(
    fc.tuple(...pathParams.map((p) => urlValue(doc, p, options.examples?.[p.name] ?? []))),
    fc.tuple(...queryParams.map((p) => fc.option(urlValue(doc, p, options.examples?.[p.name] ?? []), { nil: undefined }))),
  );
  return fc.tuple(url, auth, bodyOf(doc, operation)).map(([[pathValues, queryValues], headers, { contentType, body }]) => {
    let filled = path;
    // "." and ".." are resolved by every HTTP client before the request leaves (percent-encoded too): they never reach the route.
    const segment = (v: string | undefined) => (!v || /^(\.|%2e){1,2}$/i.test(v) ? 'x' : v);
    pathParams.forEach((p, i) => (filled = filled.replace(`{${p.name}}`, segment(pathValues[i]))));
    const query = queryParams.flatMap((p, i) => (queryValues[i] === undefined ? [] : [`${p.name}=${queryValues[i]}`])).join('&');
    return {
      method,
      path: query ? `${filled}?${query}` : filled,
      headers: { ...headers, ...(contentType ? { 'content-type': contentType } : {}) },
      body,
    };
  });
}

/** Inlines `#/components/schemas/...` references, so each response schema compiles on its own, and makes it one ajv reads. */
function inline(doc: OpenApiDoc, schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map((s) => inline(doc, s));
  if (typeof schema !== 'object' || schema === null) return schema;
  if ('$ref' in schema) return inline(doc, resolve(doc, schema as Schema));
  // OpenAPI 3.0 allows `nullable` beside anyOf and friends; ajv wants it beside a type.
  if ((schema as Schema).nullable && !('type' in schema)) {
    const { nullable: _n, ...rest } = schema as Schema;
    return { anyOf: [inline(doc, rest), { type: 'null' }] };
  }
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, inline(doc, v)]));
}

/** Checks responses against the document: a documented status, a documented content type, a body that fits its schema. */
export class ResponseChecker {
  private readonly ajv = new Ajv({ strict: false, allErrors: false, validateFormats: false });
  private readonly compiled = new Map<Schema, ValidateFunction>();

  constructor(private readonly doc: OpenApiDoc) {}

  /** Answers what is wrong with the response, or undefined when it is as documented. */
  problem(op: FuzzOperation, status: number, contentType: string | null, text: string): string | undefined {
    if (status >= 500) return `${status}: ${text.slice(0, 300)}`;
    const documented = op.operation.responses[String(status)] ?? op.operation.responses.default;
    if (!documented) return `undocumented status ${status}: ${text.slice(0, 300)}`;
    if (!documented.content) return undefined;
    const mediaType = (contentType ?? '').split(';')[0]!.trim();
    const media = documented.content[mediaType];
    if (!media) return `status ${status} answered ${mediaType || 'no content type'}, documented ${Object.keys(documented.content).join(', ')}`;
    if (mediaType !== 'application/json') return undefined;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return `status ${status}: body is not JSON: ${text.slice(0, 300)}`;
    }
    let validate = this.compiled.get(media.schema);
    if (!validate) {
      validate = this.ajv.compile(inline(this.doc, media.schema) as Schema);
      this.compiled.set(media.schema, validate);
    }
    if (validate(body)) return undefined;
    return `status ${status}: body breaks its schema: ${this.ajv.errorsText(validate.errors)}: ${text.slice(0, 300)}`;
  }
}
