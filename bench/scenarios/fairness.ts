import { closeTabUpdate, endUpdate } from '../../workflows/messages';
import type { BenchEnv } from '../env';
import { queueIds, seedAgents, seedQueues, startConversation, UNITS } from '../fixtures';
import type { Knobs } from '../knobs';
import type { ScenarioResult } from '../report';
import { capNote } from '../report';
import type { RoutingFact } from '../routing-log';
import { fairnessInversions } from '../routing-log';
import type { StoredEvent } from '../../src/domain/events';
import { count, ms, percentile, runCapped } from '../stats';

/**
 * Counts, from the outbox's conversation.state events in commit order, the
 * conversations of `queueId` shown Active while an older one (Open earlier)
 * was still shown Open: what people watching see, including delivery order
 * after the routing decision.
 */
export function activeOrderInversions(events: readonly StoredEvent[], ids: ReadonlySet<string>): number {
  const facts: RoutingFact[] = [];
  let seq = 0;
  for (const e of events) {
    if (e.type !== 'conversation.state' || !e.conversationId || !ids.has(e.conversationId)) continue;
    if (e.data.to === 'Open')
      facts.push({
        kind: 'enqueue',
        seq: seq++,
        conversationId: e.conversationId,
        queueId: e.queueId ?? '',
        priority: 0,
        enqueuedAt: e.at,
      });
    else if (e.data.to === 'Active')
      facts.push({
        kind: 'assign',
        seq: seq++,
        conversationId: e.conversationId,
        queueId: e.queueId ?? '',
        agentId: e.agentId ?? '',
        how: 'Active',
      });
  }
  return fairnessInversions(facts).inverted;
}

/**
 * Scenario 7: fairness under load. One queue, agents with room for two
 * conversations each, and more conversations arriving than fit: each one,
 * once Active, is ended and its tab closed at once, which frees room that
 * the releasing store transaction gives to the most deserving waiting
 * conversation. Every entry and reservation the store commits is recorded in
 * commit order; an inversion is a conversation given an agent while an older
 * one of the same queue and priority still waited (it needed the same units,
 * so that agent could have taken it). Target: 0.
 */
export async function fairnessScenario(env: BenchEnv, k: Knobs): Promise<ScenarioResult> {
  const [queueId = 'fair-q000'] = queueIds('fair', 1);
  await seedQueues(env.store, [queueId]);
  await seedAgents(env.store, 'fair', k.fairAgents, () => [queueId], { capacity: 2 * UNITS });
  const ids = Array.from({ length: k.fairConversations }, (_, i) => `fair-${i}`);
  const taskQueue = env.config.temporal.taskQueue;
  const waits: number[] = [];
  env.routing.clear();
  env.routing.enabled = true;
  const eventsFrom = env.outbox.stateEvents.length;
  env.outbox.keepStateEvents = true;
  const run = await runCapped(ids.length, k.fairConcurrency, k.capMs, async (i) => {
    const id = ids[i] ?? '';
    const t0 = Date.now();
    const handle = await startConversation(env.client, taskQueue, id, queueId);
    const active = await env.outbox.waitFor(id, 'Active', 60_000);
    waits.push(active.at - t0);
    const view = await env.store.getConversation(id);
    const actor = { kind: 'agent' as const, id: view?.agentId ?? undefined };
    await handle.executeUpdate(endUpdate, { args: [{ actor }] });
    await handle.executeUpdate(closeTabUpdate, { args: [{ actor }] });
  });
  env.routing.enabled = false;
  env.outbox.keepStateEvents = false;
  const decided = fairnessInversions(env.routing.facts, new Set([queueId]));
  const shown = activeOrderInversions(env.outbox.stateEvents.slice(eventsFrom), new Set(ids));
  const waited = waits.filter((w) => w > 100).length;
  const name = '7 Fairness under load';
  const hows = new Map<string, number>();
  for (const f of env.routing.facts) if (f.kind === 'assign') hows.set(f.how, (hows.get(f.how) ?? 0) + 1);
  return {
    rows: [
      {
        scenario: name,
        figure: `worst fairness inversion: assignments passing over an older waiting one (${count(decided.assignments)} assignments)`,
        value: `${decided.inverted} (most passed over by one: ${decided.worst})`,
        target: '0',
        met: decided.inverted === 0,
      },
      { scenario: name, figure: 'the same in the order people see Active (outbox)', value: String(shown) },
    ],
    notes: [
      `${count(run.results.length)} conversations through ${k.fairAgents} agents with room for two each (${k.fairConcurrency} in flight, each ended and closed once Active); ${waited} waited over 100 ms for an agent; time to Active p50 ${ms(percentile(waits, 50))} p99 ${ms(percentile(waits, 99))}`,
      `assignments by how they were made: ${[...hows].map(([how, c]) => `${how} ${c}`).join(', ')}`,
      `decision order (store commits): ${decided.inverted} inversions${decided.example ? `; worst: ${decided.example}` : ''}`,
      `shown order (outbox Active events vs Open events): ${shown} conversations shown Active while an older one was still shown Open (delivery after the decision runs in each conversation's own workflow task)`,
      ...(run.failures ? [`${run.failures} lifecycles failed: ${run.firstError}`] : []),
      ...(run.capped ? [capNote('fairness run', run.results.length, ids.length, run.elapsedMs)] : []),
    ],
  };
}
