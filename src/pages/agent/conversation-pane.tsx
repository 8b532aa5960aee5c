import { useState } from 'preact/hooks';
import { ConversationState } from '../../domain/states';
import { shortId, stateLabel } from '../lib/format';
import { Composer, MessageLog } from '../lib/ui';
import type { Desk } from './desk';

/** The selected conversation: its messages, the reply box and what the agent may do with it. */
export function ConversationPane({ desk, id }: { desk: Desk; id: string }) {
  const s = desk.state;
  const item = s.items[id];
  const [queue, setQueue] = useState('');
  const [toAgent, setToAgent] = useState('');
  if (!item) return null;
  const active = item.state === ConversationState.Active;
  return (
    <section class="pane" aria-labelledby="pane-title">
      <header class="pane-head">
        <h2 id="pane-title">
          {s.customers[id] ?? shortId(id)} <span class={`badge state-${item.state}`}>{stateLabel(item.state)}</span>
        </h2>
        <div class="actions">
          {active ? (
            <button type="button" onClick={() => void desk.operation(id, 'end')}>
              End
            </button>
          ) : null}
          {item.state === ConversationState.Waiting ? (
            <button type="button" onClick={() => void desk.operation(id, 'reopen')}>
              Reopen
            </button>
          ) : null}
          {active || item.state === ConversationState.WrapUp ? (
            <button
              type="button"
              class="close-tab"
              aria-label="Close tab"
              title="Close tab"
              onClick={() => void desk.operation(id, 'close-tab')}
            >
              ✕ Close tab
            </button>
          ) : null}
        </div>
      </header>
      <MessageLog messages={s.messages[id] ?? []} reader="agent" />
      <Composer id="reply" label="Reply" disabled={!active} send={(text) => desk.send(id, text)} />
      {active ? (
        <form
          class="transfer"
          onSubmit={(e) => {
            e.preventDefault();
            const to = toAgent.trim() ? { toAgentId: toAgent.trim() } : queue ? { toQueueId: queue } : null;
            if (to) void desk.transfer(id, to);
          }}
        >
          <label for="transfer-queue">Transfer to queue</label>
          <select id="transfer-queue" value={queue} onChange={(e) => setQueue(e.currentTarget.value)}>
            <option value="">—</option>
            {s.queues.map((q) => (
              <option key={q.id} value={q.id}>
                {q.name}
              </option>
            ))}
          </select>
          <label for="transfer-agent">or agent</label>
          <input id="transfer-agent" value={toAgent} placeholder="agent id" onInput={(e) => setToAgent(e.currentTarget.value)} />
          <button type="submit">Transfer</button>
        </form>
      ) : null}
    </section>
  );
}
