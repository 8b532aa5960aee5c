import { Presence } from '../../domain/presence';
import { ALL_STATES } from '../../domain/states';
import { needsAssignment } from '../lib/conversations';
import { elapsed, stateLabel } from '../lib/format';
import { useModel, useNow } from '../lib/model';
import { presenceWhy } from '../lib/presence';
import type { ConversationState } from '../lib/types';
import { ErrorBox, StatusLine } from '../lib/ui';
import type { Board } from './board';
import { hoursLabel, matches, RUNBOOK } from './board';
import { ConversationRow } from './rows';

/** The supervisor's page: stuck workflows, queues, agents and the conversations with their filter. */
export function BoardView({ board, onSignOut }: { board: Board; onSignOut: () => void }) {
  const s = useModel(board);
  const now = useNow(1000);
  const waiting = Object.values(s.conversations).filter(needsAssignment).length;
  const stuck = s.stuck.count;
  const rows = Object.values(s.conversations)
    .filter((c) => matches(s.filter, c))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.conversationId.localeCompare(b.conversationId));
  return (
    <div class="board">
      <header class="top">
        <h1>Supervisor</h1>
        <StatusLine status={s.status} />
        {s.ui && !s.ui.temporalUiUrl ? <span class="muted">Temporal UI: set TEMPORAL_UI_URL to link conversations.</span> : null}
        <button type="button" class="link" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <p class={stuck ? 'stuck-note' : 'muted'} role={stuck ? 'alert' : 'status'} data-testid="stuck-workflows">
        {stuck
          ? `${stuck} stuck workflow${stuck === 1 ? '' : 's'}: ${stuck === 1 ? 'its' : 'their'} workflow tasks keep failing, and operations on ${stuck === 1 ? 'it' : 'them'} fail (WORKFLOW_STUCK) until an operator fixes ${stuck === 1 ? 'it' : 'them'}. See ${RUNBOOK}.`
          : 'No stuck workflows.'}
      </p>
      <ErrorBox error={s.error} onDismiss={() => board.dismissError()} />
      <section aria-labelledby="queues-title">
        <h2 id="queues-title">Queues</h2>
        <table data-testid="queues">
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col">Depth</th>
              <th scope="col">Oldest wait</th>
              <th scope="col">Members available</th>
              <th scope="col">Hours</th>
            </tr>
          </thead>
          <tbody>
            {s.queues.map((q) => {
              const members = s.agents.filter((a) => a.queues.includes(q.id));
              const available = members.filter((a) => a.presence === Presence.Available).length;
              return (
                <tr key={q.id} data-queue={q.id}>
                  <th scope="row">{q.name}</th>
                  <td data-testid="depth">{q.depth}</td>
                  <td>{q.oldestEnqueuedAt ? elapsed(q.oldestEnqueuedAt, now) : '—'}</td>
                  <td>
                    {available} of {members.length}
                  </td>
                  <td data-testid="hours">{hoursLabel(q)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="agents-title">
        <h2 id="agents-title">Agents</h2>
        <table data-testid="agents">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Presence</th>
              <th scope="col">Capacity used</th>
              <th scope="col">Conversations</th>
            </tr>
          </thead>
          <tbody>
            {s.agents.map((a) => {
              const why = presenceWhy(a, s.presenceNotes[a.id] ?? null);
              return (
                <tr key={a.id} data-agent={a.id}>
                  <th scope="row">{a.name}</th>
                  <td data-testid="presence">
                    {a.presence}
                    {why ? (
                      <span class="muted presence-note" data-testid="presence-why">
                        {' '}
                        — {why}
                      </span>
                    ) : null}
                  </td>
                  <td data-testid="capacity">{`${a.usedUnits}/${a.capacity}`}</td>
                  <td data-testid="conversations">{a.conversations}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="conversations-title">
        <h2 id="conversations-title">Conversations</h2>
        <p class={waiting ? 'needs-note' : 'muted'} role="status" data-testid="needs-assignment">
          {waiting
            ? `${waiting} conversation${waiting === 1 ? '' : 's'} need${waiting === 1 ? 's' : ''} assignment: offers stopped after too many declines.`
            : 'No conversation waits for assignment.'}
        </p>
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <label for="filter-state">State</label>
          <select
            id="filter-state"
            value={s.filter.state}
            onChange={(e) => void board.setFilter({ state: e.currentTarget.value as ConversationState | '' })}
          >
            <option value="">any</option>
            {ALL_STATES.map((st) => (
              <option key={st} value={st}>
                {stateLabel(st)}
              </option>
            ))}
          </select>
          <label for="filter-queue">Queue</label>
          <select id="filter-queue" value={s.filter.queueId} onChange={(e) => void board.setFilter({ queueId: e.currentTarget.value })}>
            <option value="">any</option>
            {s.queues.map((q) => (
              <option key={q.id} value={q.id}>
                {q.name}
              </option>
            ))}
          </select>
          <label for="filter-agent">Agent</label>
          <select id="filter-agent" value={s.filter.agentId} onChange={(e) => void board.setFilter({ agentId: e.currentTarget.value })}>
            <option value="">any</option>
            {s.agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
          <input
            id="filter-needs"
            type="checkbox"
            checked={s.filter.needsAssignment}
            onChange={(e) => {
              // Client-side: the list already holds them (the server filters by state, queue and agent).
              s.filter.needsAssignment = e.currentTarget.checked;
              board.changed();
            }}
          />
          <label for="filter-needs">Needs assignment only</label>
        </form>
        <table data-testid="conversations">
          <thead>
            <tr>
              <th scope="col">Conversation</th>
              <th scope="col">State</th>
              <th scope="col">Queue</th>
              <th scope="col">Agent</th>
              <th scope="col">Offer</th>
              <th scope="col">In state for</th>
              <th scope="col">Unread</th>
              <th scope="col">Stale</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <ConversationRow key={c.conversationId} board={board} c={c} now={now} />
            ))}
          </tbody>
        </table>
        {rows.length === 0 ? <p class="muted">No conversations match.</p> : null}
      </section>
    </div>
  );
}
