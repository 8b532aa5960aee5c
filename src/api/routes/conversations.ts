import { randomUUID } from 'node:crypto';
import { DEFAULT_QUEUE_ID } from '../../domain/defaults';
import type { CustomerInfo, StartConversationInput } from '../../domain/snapshot';
import { DEFAULT_UNITS } from '../../domain/defaults';
import type { Channel } from '../../domain/states';
import { Channel as Channels } from '../../domain/states';
import type { ConversationSummary } from '../../domain/summary';
import type { ChatSender } from '../../store/types';
import { messageUpdate } from '../../../workflows/messages';
import { actorOf, authorize, loadConversation } from '../access';
import { unknownQueue } from '../errors';
import { IDEMPOTENCY_HEADER, idempotent } from '../idempotency';
import type { RouteSpec } from '../route';
import { route } from '../route';
import * as s from '../schemas';
import { customerToken, derivedId } from '../tokens';

interface StartBody {
  customer?: { id?: string; name?: string };
  queueId?: string;
  channel?: Channel;
  priority?: number;
}
type IdParams = { id: string };
const DEFAULT_MESSAGE_LIMIT = 1000;

const start = route<StartBody>({
  method: 'post',
  path: '/api/conversations',
  tag: 'Conversations',
  summary: 'A customer starts a chat: it enters its queue; answers once it is queued, with the customer token.',
  access: 'public',
  rateLimited: true,
  headers: { [IDEMPOTENCY_HEADER]: s.IdempotencyKeyHeader },
  body: s.StartConversationBody,
  responses: {
    201: {
      description: 'Queued. Keep customerToken: it is the only credential for this conversation.',
      schema: {
        type: 'object',
        properties: { conversation: s.Summary, customerToken: { type: 'string' } },
        required: ['conversation', 'customerToken'],
      },
    },
  },
  async handle(ctx, req) {
    const key = req.headers[IDEMPOTENCY_HEADER];
    const { secret } = ctx.credentials;
    const reply = await idempotent(ctx.store, 'conversations', key, req.body, async () => {
      const queueId = req.body.queueId ?? DEFAULT_QUEUE_ID;
      const queue = await ctx.store.getQueue(queueId);
      if (!queue) throw unknownQueue(queueId);
      // With a key, ids derive from it: a retry after a crash finds the same workflow instead of starting a second.
      const conversationId = key === undefined ? randomUUID() : derivedId(secret, 'conversation', key);
      const customer: CustomerInfo = { id: req.body.customer?.id ?? `customer-${conversationId}` };
      if (req.body.customer?.name !== undefined) customer.name = req.body.customer.name;
      const input: StartConversationInput = {
        conversationId,
        queueId,
        channel: req.body.channel ?? Channels.Chat,
        customer,
        units: queue.unitsPerConversation ?? DEFAULT_UNITS,
      };
      if (req.body.priority !== undefined) input.priority = req.body.priority;
      return { status: 201, body: { conversation: await ctx.conversations.start(input) } };
    });
    const id = (reply.body as { conversation: ConversationSummary }).conversation.conversationId;
    // The token is derived, not stored, so replays recompute it.
    return {
      ...reply,
      headers: { ...reply.headers, Location: `/api/conversations/${id}` },
      body: { ...(reply.body as object), customerToken: customerToken(secret, id) },
    };
  },
});

const get = route<unknown, IdParams>({
  method: 'get',
  path: '/api/conversations/:id',
  tag: 'Conversations',
  summary: 'The conversation’s full snapshot (its customer, its agent, agents of its queue, admin).',
  access: ['admin', 'agent', 'customer'],
  params: s.IdParams,
  query: s.NoQuery,
  responses: { 200: { description: 'The snapshot.', schema: { type: 'object', properties: { conversation: s.Snapshot } } } },
  async handle(ctx, req) {
    const view = await loadConversation(ctx, req.params.id);
    authorize(req.principal, 'view', view);
    return { status: 200, body: { conversation: await ctx.conversations.snapshot(view.conversationId) } };
  },
});

const sendMessage = route<{ text: string }, IdParams>({
  method: 'post',
  path: '/api/conversations/:id/messages',
  tag: 'Messages',
  summary: 'The customer (customer token) or the assigned agent (agent token) sends a message.',
  access: ['agent', 'customer'],
  params: s.IdParams,
  headers: { [IDEMPOTENCY_HEADER]: s.IdempotencyKeyHeader },
  body: s.MessageBody,
  responses: {
    201: { description: 'Stored and counted.', schema: { type: 'object', properties: { message: s.Message, conversation: s.Summary } } },
  },
  async handle(ctx, req) {
    const view = await loadConversation(ctx, req.params.id);
    authorize(req.principal, 'message', view);
    const sender: ChatSender = req.principal?.kind === 'customer' ? 'customer' : 'agent';
    const key = req.headers[IDEMPOTENCY_HEADER];
    const scope = `messages:${view.conversationId}:${sender}`;
    return idempotent(ctx.store, scope, key, req.body, async () => {
      const messageId = key === undefined ? randomUUID() : derivedId(ctx.credentials.secret, scope, key);
      // The text goes to the store first, so once the workflow has counted the message its text is readable.
      const message = await ctx.store.addMessage({ id: messageId, conversationId: view.conversationId, sender, text: req.body.text });
      try {
        const arg = { from: sender, messageId, actor: actorOf(req.principal, view) };
        // The update id makes a retried send count once even if the first answer was lost.
        const conversation = await ctx.conversations.update(view.conversationId, messageUpdate, arg, `message-${messageId}`);
        return { status: 201, body: { message, conversation } };
      } catch (error) {
        // Refused (or unreachable): take the text back so nothing is half-done; a keyed retry re-creates it.
        await ctx.store.deleteMessage(messageId);
        throw error;
      }
    });
  },
});

const listMessages = route<unknown, IdParams, { limit?: number }>({
  method: 'get',
  path: '/api/conversations/:id/messages',
  tag: 'Messages',
  summary: 'The conversation’s messages in send order (same readers as the conversation).',
  access: ['admin', 'agent', 'customer'],
  params: s.IdParams,
  query: s.LimitQuery,
  responses: { 200: { description: 'Oldest first.', schema: s.listOf('messages', s.Message) } },
  async handle(ctx, req) {
    const view = await loadConversation(ctx, req.params.id);
    authorize(req.principal, 'view', view);
    return { status: 200, body: { messages: await ctx.store.listMessages(view.conversationId, req.query.limit ?? DEFAULT_MESSAGE_LIMIT) } };
  },
});

/** Starting, reading and messaging conversations. */
export const conversationRoutes: readonly RouteSpec[] = [start, get, sendMessage, listMessages];
