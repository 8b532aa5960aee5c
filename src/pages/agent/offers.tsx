import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { clock, shortId } from '../lib/format';
import { useNow } from '../lib/model';
import { serverTime } from '../lib/server-clock';
import type { Desk } from './desk';
import type { Offer } from './offer';
import { secondsLeft } from './offer';

/** Where focus goes when the control that had it is gone (an answered or expired offer): the next offer, else My work items. */
function refocus(): void {
  const next = document.querySelector<HTMLElement>('[data-testid="offer"] button');
  (next ?? document.getElementById('my-work'))?.focus();
}

function OfferCard({ desk, offer }: { desk: Desk; offer: Offer }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  // Deadlines are server times: count on the server's clock.
  const now = serverTime(useNow(250));
  const card = useRef<HTMLElement>(null);
  // A layout effect: its cleanup runs while the card is still in the document (a passive one's runs after paint, too late).
  useLayoutEffect(() => {
    const element = card.current;
    return () => {
      // Unmounting while focus is inside (Decline pressed, or it expired under the agent's hands): keep the keyboard somewhere useful.
      if (element?.contains(document.activeElement)) setTimeout(refocus, 0);
    };
  }, []);
  const id = offer.conversationId;
  const total = desk.offerTimeoutMs(offer);
  const leftMs = offer.expiresAt ? Math.max(0, Date.parse(offer.expiresAt) - now) : 0;
  const seconds = offer.expiresAt ? secondsLeft(offer.expiresAt, now) : null;
  const titleId = `offer-title-${id}`;
  const queue = desk.queueName(offer.queueId);
  // While an answer is on its way the buttons say so (aria-disabled) but keep focus: a disabled button would drop it.
  const answer = (work: () => Promise<boolean>): void => {
    if (busy) return;
    setBusy(true);
    void work().finally(() => setBusy(false));
  };
  return (
    <li>
      <article class="offer" ref={card} aria-labelledby={titleId} data-testid="offer" data-conversation={id}>
        <h3 id={titleId}>
          {offer.customer ?? 'A customer'} · {offer.channel ?? 'conversation'} from {queue}
        </h3>
        <p class="offer-details">
          <span>
            Queue <strong data-testid="offer-queue">{queue}</strong>
          </span>
          <span>
            Channel <strong data-testid="offer-channel">{offer.channel ?? '…'}</strong>
          </span>
          <span class="muted" title={id}>
            {shortId(id)}
          </span>
        </p>
        {seconds !== null ? (
          <div class="countdown">
            <span role="timer" aria-live="off" data-testid="offer-countdown" data-seconds={seconds}>
              {seconds > 0 ? `${seconds} s left` : 'expiring…'}
            </span>
            <progress
              max={total}
              value={Math.min(total, leftMs)}
              aria-label={`Time left to accept: ${seconds} seconds`}
              data-testid="offer-progress"
            />
            {offer.expiresAt ? <span class="muted">until {clock(offer.expiresAt)}</span> : null}
          </div>
        ) : null}
        <form
          class="offer-actions"
          onSubmit={(e) => {
            e.preventDefault();
            answer(() => desk.decline(id, reason.trim()));
          }}
        >
          <button
            type="button"
            class="accept"
            aria-disabled={busy ? 'true' : undefined}
            onClick={() =>
              answer(() =>
                desk.accept(id).then((ok) => {
                  // The conversation opens: the reply box takes the keyboard (after the pane renders).
                  if (ok) setTimeout(() => document.getElementById('reply')?.focus(), 0);
                  return ok;
                }),
              )
            }
          >
            Accept
          </button>
          <label for={`decline-reason-${id}`}>Reason (optional)</label>
          <input
            id={`decline-reason-${id}`}
            value={reason}
            maxLength={500}
            placeholder="why you decline"
            onInput={(e) => setReason(e.currentTarget.value)}
          />
          <button type="submit" class="decline" aria-disabled={busy ? 'true' : undefined}>
            Decline
          </button>
        </form>
      </article>
    </li>
  );
}

/** The incoming offers, at the top of the desktop; the live region announces each new one (the countdown is not read out). */
export function Offers({ desk }: { desk: Desk }) {
  const s = desk.state;
  const offers = Object.values(s.offers).sort((a, b) => (a.expiresAt ?? '').localeCompare(b.expiresAt ?? ''));
  return (
    <section class={`offers${offers.length ? ' has-offers' : ''}`} aria-labelledby={offers.length ? 'offers-title' : undefined}>
      <p class="sr-only" aria-live="assertive" aria-atomic="true" data-testid="offer-announcement">
        {s.announcement}
      </p>
      {offers.length ? (
        <>
          <h2 id="offers-title">Incoming offer{offers.length > 1 ? `s (${offers.length})` : ''}</h2>
          <ul class="offer-list" data-testid="offers">
            {offers.map((offer) => (
              <OfferCard key={offer.conversationId} desk={desk} offer={offer} />
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
