/**
 * The chaos scenario: offer-mode queues with short countdowns (3 and 4 s) and
 * a decline limit of 2, an auto-accept queue that transfers can go to, agents
 * with skills and automatic presence, chats of which half need a skill that
 * relaxes after a few seconds. Written as a configuration file (CONVOFLOW_CONFIG)
 * so every process seeds the same store the same way.
 */
import type { ChatRequirement } from './desk';

/** The queues chats start in, and the queue transfers may also go to. */
export const OFFER_QUEUES = ['offers-3s', 'offers-4s'] as const;
export const TRANSFER_QUEUE = 'triage';
/** The queue no agent serves: the cluster run's recovery probes start (and end) their chats there. */
export const PROBE_QUEUE = 'default';

/** One scenario's configuration file and the workload's view of it. */
export interface Scenario {
  /** The CONVOFLOW_CONFIG file's content. */
  configFile: Record<string, unknown>;
  agents: { id: string; queues: string[] }[];
  queues: readonly string[];
  requirements(random: () => number): ChatRequirement[];
}

/** `agents` agents of `capacity` units (10 per chat). */
export function offerScenario(options: { agents: number; capacity?: number }): Scenario {
  const capacity = options.capacity ?? 30;
  const agents = Array.from({ length: options.agents }, (_, i) => {
    const id = `agent-${String(i + 1).padStart(2, '0')}`;
    const queues = [...OFFER_QUEUES, ...(i % 3 === 2 ? [TRANSFER_QUEUE] : [])];
    // Proficiencies spread over 1-10; every fourth agent has no skill at all.
    const skills = i % 4 === 3 ? {} : { french: 1 + ((i * 3) % 10), refunds: 10 - ((i * 4) % 10) };
    return { id, name: id, capacity, queues, skills, presence: 'Available' };
  });
  return {
    configFile: {
      autoPresence: true,
      lifecycle: { waitingTimeout: { chat: '30s' } },
      queues: [
        { id: PROBE_QUEUE, name: 'Default' },
        { id: OFFER_QUEUES[0], offerMode: 'offer', offerTimeout: '3s', maxDeclines: 2, missedOfferPresence: 'Away' },
        {
          id: OFFER_QUEUES[1],
          offerMode: 'offer',
          offerTimeout: '4s',
          maxDeclines: 2,
          missedOfferPresence: 'Away',
          assignmentMethod: 'roundRobin',
        },
        { id: TRANSFER_QUEUE, assignmentMethod: 'leastActive' },
      ],
      agents,
    },
    agents: agents.map((a) => ({ id: a.id, queues: a.queues })),
    queues: OFFER_QUEUES,
    requirements(random) {
      const r = random();
      if (r < 1 / 3) return [{ skill: 'french', minProficiency: 8, relaxAfterMs: 4_000 }];
      if (r < 1 / 2) return [{ skill: 'refunds', minProficiency: 7, relaxAfterMs: 6_000 }];
      return [];
    },
  };
}
