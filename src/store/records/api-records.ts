import * as api from './api-programs';
import type { Operations } from '../program';
import { read, write } from '../program';
import type { ChatMessage, IdempotencyRecord, NewChatMessage } from '../types';

/** What the HTTP API keeps: chat messages, agent token hashes and idempotency keys. */
export interface ApiRecords {
  /** Stores a message unless one with its id exists; returns the stored one (a retry gets the first). */
  addMessage(message: NewChatMessage): Promise<ChatMessage>;
  /** Deletes a message (undoing a send the conversation refused); idempotent. */
  deleteMessage(id: string): Promise<void>;
  /** A conversation's messages in send order, at most `limit`. */
  listMessages(conversationId: string, limit?: number): Promise<ChatMessage[]>;

  /**
   * Records the SHA-256 hash of an agent's bearer token (the token itself is
   * never stored), valid until `expiresAt` (ISO time; null or omitted: until
   * revoked). Idempotent: a repeated add keeps the first expiry.
   */
  addAgentToken(agentId: string, tokenHash: string, expiresAt?: string | null): Promise<void>;
  /** Forgets a token hash; idempotent. */
  deleteAgentToken(tokenHash: string): Promise<void>;
  /** The agent whose unexpired token has this hash, if any. */
  findAgentByTokenHash(tokenHash: string): Promise<string | null>;
  /** Revokes every token of an agent except `keepHash` (sign out everywhere); returns how many were revoked. */
  revokeAgentTokens(agentId: string, keepHash?: string): Promise<number>;

  /** The answer recorded for an idempotency key, if any. */
  getIdempotencyRecord(scope: string, key: string): Promise<IdempotencyRecord | null>;
  /** Records an answer unless one exists for the key; returns the one that stands (the first). */
  saveIdempotencyRecord(scope: string, key: string, response: string): Promise<IdempotencyRecord>;
}

/** The ApiRecords operations. */
export const apiRecordOperations: Operations<ApiRecords> = {
  addMessage: write((tx, message: NewChatMessage) => api.addMessage(message, tx.now)),
  deleteMessage: write((_tx, id: string) => api.deleteMessage(id)),
  listMessages: read((_tx, conversationId: string, limit?: number) => api.listMessages(conversationId, limit)),
  addAgentToken: write((tx, agentId: string, tokenHash: string, expiresAt?: string | null) =>
    api.addAgentToken(agentId, tokenHash, expiresAt ?? null, tx.now),
  ),
  deleteAgentToken: write((_tx, tokenHash: string) => api.deleteAgentToken(tokenHash)),
  findAgentByTokenHash: read((tx, tokenHash: string) => api.findAgentByTokenHash(tokenHash, tx.now)),
  revokeAgentTokens: write((_tx, agentId: string, keepHash?: string) => api.revokeAgentTokens(agentId, keepHash)),
  getIdempotencyRecord: read((_tx, scope: string, key: string) => api.getIdempotencyRecord(scope, key)),
  saveIdempotencyRecord: write((tx, scope: string, key: string, response: string) =>
    api.saveIdempotencyRecord(scope, key, response, tx.now),
  ),
};
