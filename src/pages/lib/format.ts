import { ConversationState } from '../../domain/states';

/** A state as people read it. */
export function stateLabel(state: ConversationState): string {
  return state === ConversationState.WrapUp ? 'Wrap-up' : state;
}

/** "42s", "3m 05s", "2h 04m": how long since `since` (ISO time). */
export function elapsed(since: string | null, now: number): string {
  if (!since) return '–';
  const s = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** The local time of day of an ISO time. */
export function clock(at: string): string {
  return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** The first characters of a long id, for tables (the full id is in the title). */
export function shortId(id: string): string {
  return id.length > 10 ? `${id.slice(0, 8)}…` : id;
}
