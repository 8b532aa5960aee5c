import { useState } from 'preact/hooks';
import { ConversationState } from '../../domain/states';
import { needsAssignment } from '../lib/conversations';
import { clock, elapsed, shortId, stateLabel } from '../lib/format';
import { serverTime } from '../lib/server-clock';
import type { ConversationView, StuckWorkflowItem } from '../lib/types';
import type { Board } from './board';

/** What the Offer column says: a standing offer (to whom, until when), or that offers stopped and it needs assignment. */
function OfferCell({ board, c, now }: { board: Board; c: ConversationView; now: number }) {
  if (c.state !== ConversationState.Open) return null;
  if (c.offerAgentId) {
    const left = c.offerExpiresAt ? Math.max(0, Math.ceil((Date.parse(c.offerExpiresAt) - serverTime(now)) / 1000)) : null;
    return (
      <span class="badge offered" data-testid="offer">
        offered to {board.agentName(c.offerAgentId)}
        {c.offerExpiresAt ? ` until ${clock(c.offerExpiresAt)}` : ''}
        {left !== null ? ` (${left} s)` : ''}
      </span>
    );
  }
  if (!c.offersStopped) return null;
  const declines = board.state.declines[c.conversationId];
  const queue = board.state.queues.find((q) => q.id === c.queueId);
  const count = declines?.count ?? queue?.maxDeclines;
  const who = declines?.agents.length ? `Declined or missed by ${declines.agents.map((a) => board.agentName(a)).join(', ')}` : undefined;
  return (
    <span class="badge needs" data-testid="offer" title={who}>
      needs assignment{count !== undefined ? `: declined by ${count} agent${count === 1 ? '' : 's'}` : ': offers stopped'}
    </span>
  );
}

/** The marker of a conversation whose workflow is stuck: in words (not only a colour), the error in its tooltip. */
function StuckBadge({ w }: { w: StuckWorkflowItem }) {
  return (
    <span class="badge stuck" data-testid="stuck" title={`${w.cause}: ${w.message}`}>
      {`workflow stuck since ${clock(w.since)} (${w.attempts} failed attempts, ${w.cause}); operations fail until an operator fixes it`}
    </span>
  );
}

/** One conversation of the list, with what the supervisor may do with it. */
export function ConversationRow({ board, c, now }: { board: Board; c: ConversationView; now: number }) {
  const s = board.state;
  const [agent, setAgent] = useState('');
  const [queue, setQueue] = useState('');
  const label = shortId(c.conversationId);
  const ui = s.ui;
  const link = ui?.temporalUiUrl
    ? `${ui.temporalUiUrl}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(`conversation-${c.conversationId}`)}`
    : null;
  const stuck = s.stuck.byConversation[c.conversationId];
  const rowClass = stuck ? 'stuck' : needsAssignment(c) ? 'needs-assignment' : undefined;
  return (
    <tr data-conversation={c.conversationId} class={rowClass}>
      <td title={c.conversationId}>
        {label}
        {stuck ? <StuckBadge w={stuck} /> : null}
      </td>
      <td data-testid="state">{stateLabel(c.state)}</td>
      <td>{c.queueId}</td>
      <td data-testid="agent">{c.agentId ?? '—'}</td>
      <td>
        <OfferCell board={board} c={c} now={now} />
      </td>
      <td>{elapsed(c.stateEnteredAt, now)}</td>
      <td data-testid="unread">{c.unreadCount}</td>
      <td>{c.staleFlaggedAt ? 'stale' : ''}</td>
      <td class="row-actions">
        {c.state === ConversationState.Open ? (
          <>
            <select aria-label={`Agent to assign ${label} to`} value={agent} onChange={(e) => setAgent(e.currentTarget.value)}>
              <option value="">agent…</option>
              {s.agents.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
            <button type="button" disabled={!agent} onClick={() => void board.assign(c.conversationId, agent)}>
              Assign
            </button>
          </>
        ) : null}
        {c.state === ConversationState.Active ? (
          <>
            <select aria-label={`Queue to transfer ${label} to`} value={queue} onChange={(e) => setQueue(e.currentTarget.value)}>
              <option value="">queue…</option>
              {s.queues.map((q) => (
                <option key={q.id} value={q.id}>
                  {q.name}
                </option>
              ))}
            </select>
            <button type="button" disabled={!queue} onClick={() => void board.transfer(c.conversationId, queue)}>
              Transfer
            </button>
          </>
        ) : null}
        {c.state !== ConversationState.Closed ? (
          <button type="button" onClick={() => void board.forceClose(c.conversationId)}>
            Force close
          </button>
        ) : null}
        {link ? (
          <a href={link} target="_blank" rel="noopener noreferrer">
            Temporal
          </a>
        ) : null}
      </td>
    </tr>
  );
}
