import type { EventData } from '../../domain/events';
import { shortId } from './format';
import type { AgentLoad, Presence } from './types';

/** Why the engine last changed an agent's presence (the `agent.presence` event's reason), for the presence it set. */
export interface PresenceNote {
  presence: Presence;
  reason: string;
}

const AUTOMATIC = 'automatic: ';

/**
 * Applies an `agent.presence` event to the agent. Answers the engine's note (null
 * when the agent or the admin chose), and whether the chosen presence must be read
 * again: a choice the agent made may itself be turned into Busy by automatic
 * presence, and only the agent record says what was chosen.
 */
export function applyPresence(agent: AgentLoad, data: EventData['agent.presence']): { note: PresenceNote | null; reread: boolean } {
  agent.presence = data.presence;
  if (data.reason === null) return { note: null, reread: true };
  // Automatic presence derives the presence in force from the choice, which stays; anything else the engine sets is the new choice (a missed offer: Away).
  if (!data.reason.startsWith(AUTOMATIC)) agent.chosenPresence = data.presence;
  return { note: { presence: data.presence, reason: data.reason }, reread: false };
}

/** Long ids in a reason, shortened for a one-line note (the full text goes in the title). */
function shorten(reason: string): string {
  return reason.replace(/\b(conversation )(\S{11,})/g, (_, word: string, id: string) => `${word}${shortId(id)}`);
}

/** Ends a line with a full stop unless it ends with one already (or an ellipsis). */
function sentence(text: string): string {
  return /[.…]$/.test(text) ? text : `${text}.`;
}

/**
 * The short line saying why the presence in force is not the agent's own
 * choice: the engine's reason when it changed it, else what automatic presence
 * made of the chosen presence; null when the agent chose it.
 */
export function presenceWhy(agent: AgentLoad, note: PresenceNote | null): string | null {
  if (note && note.presence === agent.presence) {
    if (note.reason.startsWith(AUTOMATIC)) {
      return `Automatic presence: ${agent.presence} while ${note.reason.slice(AUTOMATIC.length)} (you chose ${agent.chosenPresence}).`;
    }
    return sentence(`Set to ${agent.presence} by the engine: ${shorten(note.reason)}`);
  }
  if (agent.chosenPresence !== agent.presence) {
    return `Automatic presence: ${agent.presence} while ${agent.usedUnits} of ${agent.capacity} units in use (you chose ${agent.chosenPresence}).`;
  }
  return null;
}
