import type { QueuePlace, StoredEvent } from '../../src/domain/events';
import { QueuePositions } from '../../src/live/queue-positions';
import type { BenchEnv } from '../env';
import type { Knobs } from '../knobs';
import type { ScenarioResult } from '../report';
import { count, ms } from '../stats';

/** What 2,000 changes (a leave and an arrival each) plus 1,000 position reads at a depth of 50,000 may take. */
export const QUEUE_POSITIONS_TARGET_MS = 1_000;
const DEPTH = 50_000;
const CHANGES = 1_000;

let nextId = 1;
function stats(entered: QueuePlace[], left: string[]): StoredEvent {
  return {
    id: nextId++,
    type: 'queue.stats',
    at: new Date(0).toISOString(),
    conversationId: null,
    queueId: 'q',
    agentId: null,
    previousAgentId: null,
    data: { depth: 0, oldestEnqueuedAt: null, estimatedWaitMs: null, entered, left },
  };
}
const place = (conversationId: string, priority: number, seq: number): QueuePlace => ({ conversationId, priority, enqueuedAt: 't', seq });

/**
 * Scenario 8: the API's queue-position index (what every waiting customer's stream reads) at a
 * depth of 50,000: 1,000 leaves from the head and 1,000 arrivals of a higher priority, then a position read
 * of every 50th conversation. In-process, no Temporal; the figure test/live/queue-positions.test.ts
 * no longer asserts (a wall-clock bound in a test fails on a busy machine).
 */
export async function queuePositionsScenario(_env: BenchEnv, _k: Knobs): Promise<ScenarioResult> {
  const index = new QueuePositions();
  await index.seed({ listQueues: () => Promise.resolve([]), listQueueEntries: () => Promise.resolve([]) });
  // Neighbours arrive out of order: each event carries the conversation's own place (seq).
  for (let n = 1; n <= DEPTH; n++) {
    const s = n % 2 === 0 ? n - 1 : n + 1;
    index.apply([stats([place(`c${s}`, 5, s)], [])]);
  }
  const t0 = performance.now();
  for (let i = 1; i <= CHANGES; i++) {
    index.apply([stats([], [`c${i}`])]);
    index.apply([stats([place(`v${i}`, 1, DEPTH + i)], [])]); // a higher priority: placed mid-queue
  }
  let reads = 0;
  for (let i = CHANGES + 1; i <= DEPTH; i += 50) if (index.positionOf(`c${i}`)) reads += 1;
  const elapsed = performance.now() - t0;
  const correct = index.positionOf(`c${DEPTH}`)?.position === DEPTH && index.positionOf(`v${CHANGES}`)?.position === CHANGES;
  return {
    rows: [
      {
        scenario: '8 queue positions',
        figure: `${count(2 * CHANGES)} changes + ${count(reads)} reads at depth ${count(DEPTH)}`,
        value: correct ? ms(elapsed) : 'wrong positions',
        target: `< ${ms(QUEUE_POSITIONS_TARGET_MS)}`,
        met: correct && elapsed < QUEUE_POSITIONS_TARGET_MS,
      },
    ],
    notes: [`${(elapsed / (2 * CHANGES)).toFixed(3)} ms per change, reads included`],
  };
}
