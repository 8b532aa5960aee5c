import type { Program } from '../program';
import { all, one, run } from '../program';
import type { ChatMessage, ChatSender, IdempotencyRecord, NewChatMessage } from '../types';
import { invalid, isoTime, requireEntityId, requireId, validateMessage } from '../validation';

/** A `messages` row. */
interface MessageRow {
  id: string;
  conversation_id: string;
  sender: ChatSender;
  text: string;
  created_at: string;
}

/** An `idempotency_keys` row. */
interface IdempotencyRow {
  scope: string;
  key: string;
  response: string;
  created_at: string;
}

const MESSAGE_COLUMNS = 'id, conversation_id, sender, text, created_at';

function toMessage(row: MessageRow): ChatMessage {
  return { id: row.id, conversationId: row.conversation_id, sender: row.sender, text: row.text, createdAt: row.created_at };
}

function toIdempotency(row: IdempotencyRow): IdempotencyRecord {
  return { scope: row.scope, key: row.key, response: row.response, createdAt: row.created_at };
}

/** Inserts a message unless its id exists, then reads back the one that stands. */
export function* addMessage(message: NewChatMessage, now: string): Program<ChatMessage> {
  validateMessage(message);
  yield* run(`INSERT INTO messages (id, conversation_id, sender, text, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`, [
    message.id,
    message.conversationId,
    message.sender,
    message.text,
    now,
  ]);
  return toMessage((yield* one<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ?`, [message.id])) as MessageRow);
}

/** Deletes a message by id. */
export function* deleteMessage(id: string): Program<void> {
  yield* run('DELETE FROM messages WHERE id = ?', [id]);
}

/** A conversation's messages in send order. */
export function* listMessages(conversationId: string, limit?: number): Program<ChatMessage[]> {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0))
    throw invalid(`Message limit must be an integer >= 0 (got ${limit}).`);
  const rows = yield* all<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY seq${limit === undefined ? '' : ' LIMIT ?'}`,
    limit === undefined ? [conversationId] : [conversationId, limit],
  );
  return rows.map(toMessage);
}

/** Records a token hash for an agent, valid until `expiresAt` (null: until revoked); a repeated add keeps the first. */
export function* addAgentToken(agentId: string, tokenHash: string, expiresAt: string | null, now: string): Program<void> {
  requireEntityId(agentId, 'Agent id');
  requireId(tokenHash, 'Token hash');
  if (expiresAt !== null && Number.isNaN(Date.parse(expiresAt))) throw invalid('Token expiry must be an ISO time or null.');
  yield* run(
    'INSERT INTO agent_tokens (token_hash, agent_id, created_at, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (token_hash) DO NOTHING',
    [tokenHash, agentId, now, expiresAt === null ? null : isoTime(expiresAt)],
  );
}

/** Forgets a token hash. */
export function* deleteAgentToken(tokenHash: string): Program<void> {
  yield* run('DELETE FROM agent_tokens WHERE token_hash = ?', [tokenHash]);
}

/** The agent a token hash belongs to, unless the token expired by `now`. */
export function* findAgentByTokenHash(tokenHash: string, now: string): Program<string | null> {
  const row = yield* one<{ agent_id: string }>(
    'SELECT agent_id FROM agent_tokens WHERE token_hash = ? AND (expires_at IS NULL OR expires_at > ?)',
    [tokenHash, now],
  );
  return row?.agent_id ?? null;
}

/** Deletes every token of an agent but `keepHash`; returns how many. */
export function* revokeAgentTokens(agentId: string, keepHash: string | undefined): Program<number> {
  return keepHash === undefined
    ? yield* run('DELETE FROM agent_tokens WHERE agent_id = ?', [agentId])
    : yield* run('DELETE FROM agent_tokens WHERE agent_id = ? AND token_hash <> ?', [agentId, keepHash]);
}

/** Reads the answer recorded for a key. */
export function* getIdempotencyRecord(scope: string, key: string): Program<IdempotencyRecord | null> {
  const row = yield* one<IdempotencyRow>('SELECT scope, key, response, created_at FROM idempotency_keys WHERE scope = ? AND key = ?', [
    scope,
    key,
  ]);
  return row ? toIdempotency(row) : null;
}

/** Records an answer unless the key has one; the first answer stands. */
export function* saveIdempotencyRecord(scope: string, key: string, response: string, now: string): Program<IdempotencyRecord> {
  requireId(scope, 'Idempotency scope');
  requireId(key, 'Idempotency key');
  yield* run('INSERT INTO idempotency_keys (scope, key, response, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (scope, key) DO NOTHING', [
    scope,
    key,
    response,
    now,
  ]);
  return (yield* getIdempotencyRecord(scope, key)) as IdempotencyRecord;
}
