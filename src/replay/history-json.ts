import { createRequire } from 'node:module';
import * as proto from '@temporalio/proto';
import { temporal } from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

/** The part of protobufjs's reflection API the normaliser walks (a field of a message type). */
interface ReflectedField {
  name: string;
  jsonName?: string;
  protoName?: string;
  repeated: boolean;
  map: boolean;
  resolve(): ReflectedField;
  resolvedType: ReflectedType | ReflectedEnum | null;
}

/** A message type, as protobufjs reflects it. */
interface ReflectedType {
  fullName: string;
  fields: Record<string, ReflectedField>;
}

/** An enum type, as protobufjs reflects it. */
interface ReflectedEnum {
  name: string;
  values: Record<string, number>;
}

interface ProtoJson {
  fromJson(type: ReflectedType, json: unknown, options: { ignoreUnknownFields: boolean }): temporal.api.history.v1.IHistory;
}

// The reflection root and the ProtoJSON parser must come from the same protobufjs copy, the one
// @temporalio/proto loads: the SDK's historyFromJSON takes the parser from @temporalio/common's copy
// and throws "type must be a Type" whenever npm gives the two packages different copies. Resolving
// it next to @temporalio/proto works whatever the layout of node_modules.
const protoJson = createRequire(require.resolve('@temporalio/proto'))('protobufjs/ext/protojson') as ProtoJson;
// The generated typings of @temporalio/proto do not declare the reflection methods of its root.
const root = patchProtobufRoot(proto) as unknown as { lookupType(name: string): ReflectedType };
const historyType = root.lookupType('temporal.api.history.v1.History');
const eventType = root.lookupType('temporal.api.history.v1.HistoryEvent');

const PAYLOAD_TYPE = '.temporal.api.common.v1.Payload';

/** A history JSON that cannot be read, with the place it went wrong. */
export class HistoryJsonError extends Error {
  override readonly name = 'HistoryJsonError';
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isEnum = (type: ReflectedType | ReflectedEnum | null): type is ReflectedEnum => type !== null && 'values' in type;

/** `WorkflowTaskStarted` -> `WORKFLOW_TASK_STARTED`. */
const constantCase = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** An enum value by its proto name, its short PascalCase name (the Web UI's) or its number. */
function enumValue(type: ReflectedEnum, value: unknown, where: string): unknown {
  if (typeof value !== 'string' || value in type.values) return value;
  const unspecified = Object.keys(type.values).find((key) => key.endsWith('_UNSPECIFIED'));
  const prefix = unspecified === undefined ? constantCase(type.name) : unspecified.slice(0, -'_UNSPECIFIED'.length);
  const full = `${prefix}_${constantCase(value)}`;
  if (full in type.values) return full;
  throw new HistoryJsonError(`${where}: ${JSON.stringify(value)} is not a ${type.name}`);
}

function normaliseValue(field: ReflectedField, value: unknown, where: string): unknown {
  const type = field.resolve().resolvedType;
  if (isEnum(type)) return enumValue(type, value, where);
  if (type === null || type.fullName.startsWith('.google.protobuf.')) return value;
  return normaliseMessage(type, value, where);
}

/**
 * Rewrites what the ProtoJSON parser would misread: Temporal's short enum names (the Web UI exports
 * `WorkflowTaskStarted`, not `EVENT_TYPE_WORKFLOW_TASK_STARTED`; unknown names would be dropped
 * silently), and payloads the UI decoded (`data` no longer base64), which no replay can use.
 */
function normaliseMessage(type: ReflectedType, json: unknown, where: string): unknown {
  if (!isObject(json)) return json;
  if (type.fullName === PAYLOAD_TYPE && json.data !== undefined && json.data !== null && typeof json.data !== 'string') {
    throw new HistoryJsonError(`${where}: a payload holds decoded data; export the history with encoded payloads`);
  }
  const fields = Object.values(type.fields);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    // Null means "not set" in ProtoJSON; the UI writes it for absent fields.
    if (value === null) continue;
    const field = fields.find((f) => f.name === key || f.jsonName === key || f.protoName === key);
    if (field === undefined) {
      out[key] = value;
    } else if (field.map && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normaliseValue(field, v, `${where}.${key}.${k}`)]));
    } else if (field.repeated && Array.isArray(value)) {
      out[key] = value.map((v, i) => normaliseValue(field, v, `${where}.${key}[${i}]`));
    } else {
      out[key] = normaliseValue(field, value, `${where}.${key}`);
    }
  }
  return out;
}

/** The events array of an export: `{ events }` (CLI, Web UI), `{ history: { events } }` (an API response) or a bare array. */
function eventsOf(json: unknown): unknown[] {
  if (Array.isArray(json)) return json;
  if (isObject(json) && Array.isArray(json.events)) return json.events;
  if (isObject(json) && isObject(json.history) && Array.isArray(json.history.events)) return json.history.events;
  throw new HistoryJsonError('expected a history: an object with an "events" array');
}

/**
 * Reads a history exported as ProtoJSON (`temporal workflow show --output json`, the Web UI's
 * download, an API response) into the same message a binary `.binpb` decodes to.
 */
export function historyFromJson(json: unknown): temporal.api.history.v1.History {
  const events = eventsOf(json).map((event, i) => {
    const id = isObject(event) && event.eventId !== undefined ? String(event.eventId) : `#${i + 1}`;
    return normaliseMessage(eventType, event, `event ${id}`);
  });
  let parsed: temporal.api.history.v1.IHistory;
  try {
    parsed = protoJson.fromJson(historyType, { events }, { ignoreUnknownFields: true });
  } catch (error) {
    throw new HistoryJsonError((error as Error).message);
  }
  // Through the binary form, so a JSON history and a .binpb are one and the same value.
  const History = temporal.api.history.v1.History;
  return History.decode(History.encode(parsed).finish());
}
