/** The five states of a conversation (values are serialised: never rename). */
export const ConversationState = {
  Open: 'Open',
  Active: 'Active',
  WrapUp: 'WrapUp',
  Waiting: 'Waiting',
  Closed: 'Closed',
} as const;

/** One of the five conversation states. */
export type ConversationState = (typeof ConversationState)[keyof typeof ConversationState];

/** Every state, in lifecycle order. */
export const ALL_STATES: readonly ConversationState[] = Object.values(ConversationState);

/** States shown under "My work items" for the conversation's agent. */
export const WORK_ITEM_STATES: readonly ConversationState[] = [
  ConversationState.Active,
  ConversationState.WrapUp,
  ConversationState.Waiting,
];

/** Channels a conversation can arrive on; each has its own stale periods. */
export const Channel = {
  Chat: 'chat',
  Sms: 'sms',
  Social: 'social',
} as const;

/** One of the supported channels. */
export type Channel = (typeof Channel)[keyof typeof Channel];

/** Every channel. */
export const ALL_CHANNELS: readonly Channel[] = Object.values(Channel);

/** How a conversation in Wrap-up treats its agent's capacity. */
export const WrapUpCapacityPolicy = {
  Hold: 'hold',
  Release: 'release',
  HoldFor: 'holdFor',
} as const;

/** One of the wrap-up capacity policies. */
export type WrapUpCapacityPolicy = (typeof WrapUpCapacityPolicy)[keyof typeof WrapUpCapacityPolicy];
