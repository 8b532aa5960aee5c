import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Current lifecycle state: `temporal workflow list --query "ConversationState='Waiting'"`. */
export const ConversationStateAttribute = defineSearchAttributeKey('ConversationState', SearchAttributeType.KEYWORD);
/** The agent who has (or last had) the conversation. */
export const AgentIdAttribute = defineSearchAttributeKey('AgentId', SearchAttributeType.KEYWORD);
/** The queue the conversation is in (or was routed through last). */
export const QueueIdAttribute = defineSearchAttributeKey('QueueId', SearchAttributeType.KEYWORD);
/** The channel: chat, sms or social. */
export const ChannelAttribute = defineSearchAttributeKey('Channel', SearchAttributeType.KEYWORD);
/** True while the conversation is flagged for automatic closure. */
export const StaleFlaggedAttribute = defineSearchAttributeKey('StaleFlagged', SearchAttributeType.BOOL);

/** True once offers stopped after too many declines: the supervisor should assign it (`OffersStopped=true`). */
export const OffersStoppedAttribute = defineSearchAttributeKey('OffersStopped', SearchAttributeType.BOOL);

/** Every custom search attribute, for registration with the server. */
export const SEARCH_ATTRIBUTES = [
  ConversationStateAttribute,
  AgentIdAttribute,
  QueueIdAttribute,
  ChannelAttribute,
  StaleFlaggedAttribute,
  OffersStoppedAttribute,
] as const;
