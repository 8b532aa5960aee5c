import type { Presence } from './presence';
import type { Channel } from './states';

// The defaults every entry point applies (API, configuration file, store,
// workflow), kept in one place so they cannot disagree.

/** The queue every conversation enters unless routing says otherwise. */
export const DEFAULT_QUEUE_ID = 'default';
/** Priority of a queue created without one (lower is served first). */
export const DEFAULT_QUEUE_PRIORITY = 100;
/** Capacity of an agent unless configured otherwise. */
export const DEFAULT_AGENT_CAPACITY = 100;
/** Routing priority of a new conversation (lower is served first). */
export const DEFAULT_PRIORITY = 10;
/** Capacity units a conversation fills unless its queue says otherwise. */
export const DEFAULT_UNITS = 10;
/** The channel of a conversation started without one. */
export const DEFAULT_CHANNEL: Channel = 'chat';
/**
 * Offer mode's defaults, Dynamics 365's: a 120-second countdown, and after 3
 * declines or misses (1-5 allowed) the conversation is no longer pushed.
 */
export const DEFAULT_OFFER_TIMEOUT_MS = 120_000;
export const DEFAULT_MAX_DECLINES = 3;
/** An agent who lets an offer expire is set Away, so nothing more is pushed to someone who is not there (Twilio's practice). */
export const DEFAULT_MISSED_OFFER_PRESENCE: Presence = 'Away';
