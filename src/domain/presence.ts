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
