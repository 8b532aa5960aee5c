import type { Connection } from '@temporalio/client';
import { isGrpcServiceError } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

/** A search attribute's name and type (the SDK's SearchAttributeKey, which its index does not export). */
export interface SearchAttributeDefinition {
  name: string;
  type: SearchAttributeType;
}

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;
type IndexedValueType = temporal.api.enums.v1.IndexedValueType;

/** gRPC status codes used here (grpc-js is not a direct dependency). */
const GRPC_ALREADY_EXISTS = 6;
const GRPC_UNIMPLEMENTED = 12;

const hasCode = (error: unknown, code: number): boolean => isGrpcServiceError(error) && error.code === code;

const INDEXED_VALUE_TYPES: Record<SearchAttributeType, IndexedValueType> = {
  [SearchAttributeType.TEXT]: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  [SearchAttributeType.KEYWORD]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.INT]: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.DOUBLE]: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  [SearchAttributeType.BOOL]: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  [SearchAttributeType.DATETIME]: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  [SearchAttributeType.KEYWORD_LIST]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** The server's enum value for an SDK search attribute type. */
export function indexedValueType(type: SearchAttributeType): IndexedValueType {
  return INDEXED_VALUE_TYPES[type];
}

const CLI_TYPE_NAMES: Record<SearchAttributeType, string> = {
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/** `Name=Type` arguments for `temporal server start-dev --search-attribute` (the CLI's spelling, e.g. `Bool`). */
export function devServerSearchAttributeArgs(keys: readonly SearchAttributeDefinition[] = SEARCH_ATTRIBUTES): string[] {
  return keys.flatMap((key) => ['--search-attribute', `${key.name}=${CLI_TYPE_NAMES[key.type]}`]);
}

/** The `temporal operator` commands that register the attributes by hand (for clusters that refuse operator calls). */
export function searchAttributeCommands(namespace: string, keys: readonly SearchAttributeDefinition[] = SEARCH_ATTRIBUTES): string[] {
  return keys.map(
    (key) => `temporal operator search-attribute create --namespace ${namespace} --name ${key.name} --type ${CLI_TYPE_NAMES[key.type]}`,
  );
}

type Operator = Pick<Connection, 'operatorService'>;

/** Adds attributes; ALREADY_EXISTS means another process won the race, which is fine. */
async function add(connection: Operator, namespace: string, searchAttributes: Record<string, IndexedValueType>): Promise<void> {
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } catch (error) {
    if (!hasCode(error, GRPC_ALREADY_EXISTS)) throw error;
  }
}

/**
 * Registers the project's custom search attributes in `namespace`; idempotent.
 * Only missing attributes are added, because a server refuses the whole batch
 * when one already exists; an existing attribute of another type is an error,
 * since workflows would then fail to upsert it.
 */
export async function registerSearchAttributes(
  connection: Operator,
  namespace: string,
  keys: readonly SearchAttributeDefinition[] = SEARCH_ATTRIBUTES,
): Promise<void> {
  let existing: Record<string, IndexedValueType>;
  try {
    existing = (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  } catch (error) {
    if (!hasCode(error, GRPC_UNIMPLEMENTED)) throw error;
    // The Java test server cannot list: add one at a time so each existing one is skipped alone.
    for (const key of keys) await add(connection, namespace, { [key.name]: indexedValueType(key.type) });
    return;
  }
  const missing: Record<string, IndexedValueType> = {};
  for (const key of keys) {
    const wanted = indexedValueType(key.type);
    const found = existing[key.name];
    if (found === undefined || found === null) missing[key.name] = wanted;
    else if (found !== wanted) {
      throw new Error(
        `Search attribute ${key.name} exists in namespace ${namespace} with type ${IndexedValueType[found]}, ` +
          `but convoflow needs ${IndexedValueType[wanted]}; remove it (temporal operator search-attribute remove) or use another namespace.`,
      );
    }
  }
  if (Object.keys(missing).length > 0) await add(connection, namespace, missing);
}
