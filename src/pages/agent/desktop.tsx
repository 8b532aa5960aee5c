import { ALL_PRESENCES } from '../../domain/presence';
import { clock, elapsed, shortId, stateLabel } from '../lib/format';
import { useModel, useNow } from '../lib/model';
import { presenceWhy } from '../lib/presence';
import type { ConversationView, Presence } from '../lib/types';
import { ErrorBox, StatusLine } from '../lib/ui';
import { ConversationPane } from './conversation-pane';
import type { Desk } from './desk';
import { Offers } from './offers';

const DAY_MS = 24 * 60 * 60 * 1000;

function WorkItemRow({ desk, item, now }: { desk: Desk; item: ConversationView; now: number }) {
  const s = desk.state;
  const label = s.customers[item.conversationId] ?? shortId(item.conversationId);
  return (
    <li>
      <button
        type="button"
        class={`item${s.selected === item.conversationId ? ' selected' : ''}`}
        aria-current={s.selected === item.conversationId ? 'true' : undefined}
        data-conversation={item.conversationId}
        onClick={() => void desk.select(item.conversationId)}
      >
        <span class="item-title" title={item.conversationId}>
          {label}
        </span>
        <span class={`badge state-${item.state}`}>{stateLabel(item.state)}</span>
        <span class="muted" title="Time in state">
          {elapsed(item.stateEnteredAt, now)}
        </span>
        {item.unreadCount > 0 ? (
          <span class="badge unread" data-testid="unread" aria-label={`${item.unreadCount} unread`}>
            {item.unreadCount}
          </span>
        ) : null}
        {item.staleFlaggedAt ? <span class="badge stale">stale</span> : null}
      </button>
    </li>
  );
}

/** The whole desktop: presence, offers, my work, open work, closed work and the selected conversation. */
export function Desktop({ desk, onSignOut }: { desk: Desk; onSignOut: () => void }) {
  const s = useModel(desk);
  const now = useNow(1000);
  const work = desk.workItems();
  const closed = desk.closedItems(now, DAY_MS);
  const open = Object.values(s.open).sort((a, b) => a.enqueuedAt.localeCompare(b.enqueuedAt));
  const queueName = (id: string) => desk.queueName(id);
  const why = presenceWhy(s.agent, s.presenceNote);
  return (
    <div class="desk">
      <header class="top">
        <h1>Agent desktop</h1>
        <span>
          {s.agent.name} · capacity <span data-testid="capacity">{`${s.agent.usedUnits}/${s.agent.capacity}`}</span>
        </span>
        <label for="presence">Presence</label>
        <select
          id="presence"
          value={s.agent.presence}
          aria-describedby={why ? 'presence-why' : undefined}
          onChange={(e) => void desk.setPresence(e.currentTarget.value as Presence)}
        >
          {ALL_PRESENCES.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        {/* Always rendered (a live region must exist before it speaks): says why when the engine set the presence. */}
        <span
          id="presence-why"
          class="presence-why"
          role="status"
          data-testid="presence-why"
          title={why ? s.presenceNote?.reason : undefined}
        >
          {why ?? ''}
        </span>
        <StatusLine status={s.status} />
        <button type="button" class="link" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <ErrorBox error={s.error} onDismiss={() => desk.dismissError()} />
      <Offers desk={desk} />
      <div class="columns">
        <nav class="lists" aria-label="Work">
          <section aria-labelledby="my-work">
            <h2 id="my-work" tabIndex={-1}>
              My work items
            </h2>
            <ul class="items" data-testid="my-work">
              {work.map((item) => (
                <WorkItemRow key={item.conversationId} desk={desk} item={item} now={now} />
              ))}
            </ul>
            {work.length === 0 ? <p class="muted">Nothing assigned.</p> : null}
          </section>
          <section aria-labelledby="open-work">
            <h2 id="open-work">Open work</h2>
            <ul class="items" data-testid="open-work">
              {open.map((entry) => (
                <li key={entry.conversationId} class="open-entry">
                  <span title={entry.conversationId}>{shortId(entry.conversationId)}</span>
                  <span class="muted">
                    {queueName(entry.queueId)} · waiting {elapsed(entry.enqueuedAt, now)}
                  </span>
                  <button
                    type="button"
                    onClick={() => void desk.operation(entry.conversationId, 'pick').then((ok) => ok && desk.select(entry.conversationId))}
                  >
                    Pick
                  </button>
                </li>
              ))}
            </ul>
            {open.length === 0 ? <p class="muted">No open work in your queues.</p> : null}
          </section>
          <section aria-labelledby="closed-work">
            <h2 id="closed-work">Closed work items</h2>
            <ul class="items" data-testid="closed-work">
              {closed.map((item) => (
                <li key={item.conversationId}>
                  <button
                    type="button"
                    class="item"
                    data-conversation={item.conversationId}
                    onClick={() => void desk.select(item.conversationId)}
                  >
                    <span class="item-title">{s.customers[item.conversationId] ?? shortId(item.conversationId)}</span>
                    <span class="muted">closed {item.closedAt ? clock(item.closedAt) : ''}</span>
                  </button>
                </li>
              ))}
            </ul>
            {closed.length === 0 ? <p class="muted">None in the past 24 hours.</p> : null}
          </section>
        </nav>
        <main class="main">
          {s.selected && s.items[s.selected] ? (
            <ConversationPane key={s.selected} desk={desk} id={s.selected} />
          ) : (
            <p class="muted placeholder">Pick open work or select a work item.</p>
          )}
        </main>
      </div>
    </div>
  );
}
