import { ConversationState } from '../../domain/states';
import { shortId } from '../lib/format';
import { serverTime } from '../lib/server-clock';
import type { ConversationView, QueueStats, StoredEvent } from '../lib/types';

/** A conversation offered to me (offer-mode queue): Open, my capacity reserved, until I answer or it expires. */
export interface Offer {
  conversationId: string;
  queueId: string;
  /** Null until the conversation was read (an offer event does not carry it). */
  channel: string | null;
  customer: string | null;
  /** When the countdown ends (server time). */
  expiresAt: string | null;
  /** The countdown's full length: the offer's own timeout (its snapshot), else from the offer event's time. */
  totalMs: number | null;
}

/** What of a desk's state offer events change. */
export interface OfferState {
  offers: Record<string, Offer>;
  /** The Open work of my queues: an offered conversation leaves it. */
  open: Record<string, unknown>;
  customers: Record<string, string>;
  announcement: string;
}

/** Whole seconds left until `at` (rounded up: "1 s" until it is over). */
export function secondsLeft(at: string, now: number): number {
  return Math.max(0, Math.ceil((Date.parse(at) - now) / 1000));
}

/** An offer from my work items' read model (kept details of one already shown). */
export function offerFrom(item: ConversationView, known: Offer | undefined): Offer {
  return {
    conversationId: item.conversationId,
    queueId: item.queueId,
    channel: item.channel,
    customer: known?.customer ?? null,
    expiresAt: item.offerExpiresAt,
    totalMs: known?.totalMs ?? null,
  };
}

/** Whether a work item is an offer standing for `agentId`. */
export function offeredTo(item: ConversationView, agentId: string): boolean {
  return item.state === ConversationState.Open && item.offerAgentId === agentId;
}

/** The offer's countdown length: its own, else its queue's offer timeout as the page last read it. */
export function offerTimeoutMs(offer: Offer, queues: QueueStats[]): number {
  if (offer.totalMs) return offer.totalMs;
  const queue = queues.find((q) => q.id === offer.queueId);
  return queue && queue.offerTimeoutMs > 0 ? queue.offerTimeoutMs : 1000;
}

/**
 * Applies an offer event of mine: an offer made, or ended (accepted elsewhere, declined, expired,
 * withdrawn). Answers true for a new offer, whose conversation the desk then reads (channel, customer).
 */
export function applyOfferEvent(
  s: OfferState,
  e: Extract<StoredEvent, { type: 'conversation.offer' }>,
  queueName: (id: string) => string,
): boolean {
  const id = e.conversationId as string;
  if (e.data.status !== 'offered') {
    if (!s.offers[id]) return false;
    delete s.offers[id];
    if (e.data.status === 'expired') s.announcement = `The offer of conversation ${shortId(id)} expired.`;
    else if (e.data.status === 'withdrawn') s.announcement = `The offer of conversation ${shortId(id)} was withdrawn.`;
    return false;
  }
  const known = s.offers[id];
  s.offers[id] = {
    conversationId: id,
    queueId: e.queueId ?? known?.queueId ?? '',
    channel: known?.channel ?? null,
    customer: known?.customer ?? s.customers[id] ?? null,
    expiresAt: e.data.expiresAt,
    // The offer was made in the write this event comes from.
    totalMs: known?.totalMs ?? (e.data.expiresAt ? Math.max(1000, Date.parse(e.data.expiresAt) - Date.parse(e.at)) : null),
  };
  // It left its queue's Open work while offered.
  delete s.open[id];
  if (known) return false;
  const left = e.data.expiresAt ? `: ${secondsLeft(e.data.expiresAt, serverTime(Date.now()))} seconds to accept or decline` : '';
  s.announcement = `New offer from ${queueName(e.queueId ?? '')} (conversation ${shortId(id)})${left}.`;
  return true;
}
