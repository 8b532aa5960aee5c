/** Agent presence; custom presences map to one of these. */
export const Presence = {
  Available: 'Available',
  Busy: 'Busy',
  BusyDnd: 'BusyDND',
  Away: 'Away',
  Offline: 'Offline',
} as const;

/** One of the base presences. */
export type Presence = (typeof Presence)[keyof typeof Presence];

/** Every base presence. */
export const ALL_PRESENCES: readonly Presence[] = Object.values(Presence);

/** Presences that receive pushed work unless a queue says otherwise. */
export const DEFAULT_ELIGIBLE_PRESENCES: readonly Presence[] = [Presence.Available, Presence.Busy];

/** How a queue chooses among eligible agents. */
export const AssignmentMethod = {
  /** Most free units first; ties go round-robin (earliest last assignment). */
  HighestCapacity: 'highestCapacity',
  /** Per-queue order of members; ties by earliest last assignment. */
  RoundRobin: 'roundRobin',
  /** Longest since the agent last released a conversation. */
  LeastActive: 'leastActive',
} as const;

/** One of the assignment methods. */
export type AssignmentMethod = (typeof AssignmentMethod)[keyof typeof AssignmentMethod];

/** The queue every conversation enters unless routing says otherwise. */
export const DEFAULT_QUEUE_ID = 'default';
/** Capacity of an agent unless configured otherwise. */
export const DEFAULT_AGENT_CAPACITY = 100;
