import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { decideIntake } from '../../domain/intake';
import type { CustomerInfo, StartConversationInput } from '../../domain/snapshot';
import { startInputError } from '../../domain/snapshot';
import { requirementsError } from '../../domain/skills';
import { DEFAULT_UNITS } from '../../domain/defaults';
import { Channel, ConversationState } from '../../domain/states';
import type { ChatSender } from '../../store/types';
import { messageUpdate } from '../../../workflows/messages';
import { actorOf, authorize, loadConversation } from '../access';
import { invalidField, unknownQueue } from '../http/errors';
import * as r from '../schemas/responses';
import { json, none, publicRoute, reply, route } from '../http/route';
import * as s from '../schemas/requests';
import { customerToken } from '../../auth/tokens';

const DEFAULT_MESSAGE_LIMIT = 1000;
const LOCATION = { Location: { description: 'The conversation’s URL.', required: true } };

const start = publicRoute({
  method: 'post',
  path: '/api/conversations',
  tag: 'Conversations',
  summary:
    'A customer starts a chat: it enters its queue; answers once it is queued, with the customer token. With an Idempotency-Key, a retry from the same client (address and User-Agent) answers the same conversation and token; any other client gets 409.',
  rateLimited: true,
  params: s.NoParams,
  query: s.NoQuery,
  body: json(s.StartConversationBody),
  responses: {
    201: {
      description: 'Queued. Keep customerToken: it is the only credential for this conversation.',
      schema: s.closed({ conversation: r.Summary, customerToken: Type.String() }),
      headers: LOCATION,
    },
  },
  // The token is derived from the conversation id and never stored with the idempotency record; a replay recomputes it.
  credentials: {
    fields: ['customerToken'],
    restore(stored, ctx) {
      const conversation =
        typeof stored === 'object' && stored !== null ? Object.getOwnPropertyDescriptor(stored, 'conversation')?.value : undefined;
      const id =
        typeof conversation === 'object' && conversation !== null
          ? Object.getOwnPropertyDescriptor(conversation, 'conversationId')?.value
          : undefined;
      return typeof id === 'string' ? { customerToken: customerToken(ctx.credentials.secret, id) } : null;
    },
  },
  async handle(ctx, req) {
    const channel = req.body.channel ?? Channel.Chat;
    // The intake rules decide the queue, priority and skills; the request's own requirements add to the rule's.
    const intake = decideIntake((await ctx.store.getIntakeRules()).rules, {
      channel,
      ...(req.body.language === undefined ? {} : { language: req.body.language }),
      ...(req.body.queueId === undefined ? {} : { queueId: req.body.queueId }),
      ...(req.body.customer?.attributes === undefined ? {} : { customer: req.body.customer.attributes }),
      ...(req.body.answers === undefined ? {} : { answers: req.body.answers }),
    });
    const queueId = intake.queueId;
    const queue = await ctx.store.getQueue(queueId);
    if (!queue) throw unknownQueue(queueId);
    // What the schema cannot say (a skill required twice) is refused here, not by the workflow after it started.
    const askedProblem = req.body.requirements === undefined ? null : requirementsError(req.body.requirements, 'body.requirements');
    if (askedProblem) throw invalidField(askedProblem);
    const asked = (req.body.requirements ?? []).map((q) => ({
      skill: q.skill,
      minProficiency: q.minProficiency,
      relaxAfterMs: q.relaxAfterMs ?? null,
    }));
    const requirements = [...intake.requirements.filter((q) => !asked.some((a) => a.skill === q.skill)), ...asked];
    // With a key, ids derive from it (and from the client): a retry after a crash finds the same workflow instead of starting a second.
    const conversationId = req.idempotency?.derive('conversation') ?? randomUUID();
    const customer: CustomerInfo = { id: req.body.customer?.id ?? `customer-${conversationId}` };
    if (req.body.customer?.name !== undefined) customer.name = req.body.customer.name;
    const input: StartConversationInput = {
      conversationId,
      queueId,
      channel,
      customer,
      units: queue.unitsPerConversation ?? DEFAULT_UNITS,
      requirements,
      routedBy: intake.routedBy,
    };
    const priority = req.body.priority ?? intake.priority;
    if (priority !== undefined) input.priority = priority;
    // The same check the workflow makes (the request's and the rule's requirements together, say), so it never fails there.
    const startProblem = startInputError(input);
    if (startProblem) throw invalidField(startProblem);
    const conversation = await ctx.conversations.start(input, req.idempotency?.derive('start-update'));
    return reply(
      201,
      { conversation, customerToken: customerToken(ctx.credentials.secret, conversation.conversationId) },
      { Location: `/api/conversations/${conversation.conversationId}` },
    );
  },
});

const get = route({
  method: 'get',
  path: '/api/conversations/:id',
  tag: 'Conversations',
  summary:
    'The conversation in full (its customer, its agent, agents of its queue, admin): from the store, written with every transition, at no workflow task ("source": "store"; the default), or the workflow’s own query with ?source=workflow ("source": "workflow"; also when the store does not hold a conversation in full, written before it kept details). The same shape either way. When the workflow cannot answer within a few seconds (no worker, past retention), the store’s row instead ("source": "readModel"). While Open and queued, `queue` says its position, how many wait and the estimated wait.',
  access: ['admin', 'agent', 'customer'],
  params: s.IdParams,
  query: s.ReadSourceQuery,
  body: none,
  responses: { 200: { description: 'The conversation; `source` says who answered.', schema: r.ConversationReading } },
  async handle(ctx, req) {
    const view = await loadConversation(ctx, req.params.id);
    authorize(req.principal, 'view', view);
    const reading = await ctx.conversations.read(view.conversationId, req.query.source);
    // From the hub's in-memory index of the queues, never a count per request.
    const standing =
      reading.conversation.state === ConversationState.Open ? (await ctx.live.hub.queuePositions()).positionOf(view.conversationId) : null;
    const queue = standing && {
      position: standing.position,
      waiting: standing.waiting,
      estimatedWaitMs: standing.estimatedWaitMs,
      closed: standing.closed,
      opensAt: standing.opensAt,
    };
    return reply(200, { ...reading, queue });
  },
});

const sendMessage = route({
  method: 'post',
  path: '/api/conversations/:id/messages',
  tag: 'Messages',
  summary: 'The customer (customer token) or the assigned agent (agent token) sends a message.',
  access: ['agent', 'customer'],
  params: s.IdParams,
  query: s.NoQuery,
  body: json(s.MessageBody),
  responses: { 201: { description: 'Stored and counted.', schema: s.closed({ message: r.Message, conversation: r.Summary }) } },
  async handle(ctx, req) {
    const view = await loadConversation(ctx, req.params.id);
    authorize(req.principal, 'message', view);
    const sender: ChatSender = req.principal.kind === 'customer' ? 'customer' : 'agent';
    const messageId = req.idempotency?.derive('message') ?? randomUUID();
    // The text goes to the store first, so once the workflow has counted the message its text is readable.
    const message = await ctx.store.addMessage({ id: messageId, conversationId: view.conversationId, sender, text: req.body.text });
    try {
      const arg = { from: sender, messageId, actor: actorOf(req.principal, view) };
      // The update id makes a retried send count once even if the first answer was lost.
      const conversation = await ctx.conversations.update(view.conversationId, messageUpdate, arg, `message-${messageId}`);
      return reply(201, { message, conversation });
    } catch (error) {
      // Refused or unreachable: take the text back so nothing is half-done; a keyed retry re-creates it.
      await ctx.store.deleteMessage(messageId);
      throw error;
    }
  },
});

const listMessages = route({
  method: 'get',
  path: '/api/conversations/:id/messages',
  tag: 'Messages',
  summary:
    'The transcript in send order: for its customer, its agent (assigned now, or the last one) and the admin; other agents of the queue may see the conversation but not its messages.',
  access: ['admin', 'agent', 'customer'],
  params: s.IdParams,
  query: s.LimitQuery,
  body: none,
  responses: { 200: { description: 'Oldest first.', schema: s.closed({ messages: Type.Array(r.Message) }) } },
  async handle(ctx, req) {
    const view = await loadConversation(ctx, req.params.id);
    authorize(req.principal, 'readMessages', view);
    return reply(200, { messages: await ctx.store.listMessages(view.conversationId, req.query.limit ?? DEFAULT_MESSAGE_LIMIT) });
  },
});

/** Starting, reading and messaging conversations. */
export const conversationRoutes = [start, get, sendMessage, listMessages] as const;
