import type { ComponentChildren, VNode } from 'preact';
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { clock } from './format';
import type { ChatMessage } from './types';
import type { StreamStatus } from './event-stream';

/** The connection line every page shows (polite, so screen readers hear reconnects). */
export function StatusLine({ status, detail }: { status: StreamStatus; detail?: string }) {
  const text =
    status === 'live'
      ? 'Live'
      : status === 'connecting'
        ? 'Connecting…'
        : status === 'reconnecting'
          ? 'Reconnecting…'
          : 'Signed out: the token was refused';
  return (
    <p class={`status status-${status}`} role="status" aria-live="polite" data-testid="stream-status">
      {text}
      {detail ? ` — ${detail}` : ''}
    </p>
  );
}

/** Where refused actions say why (the API's message), assertively. */
export function ErrorBox({ error, onDismiss }: { error: string | null; onDismiss: () => void }) {
  if (!error) return <div role="alert" class="error-slot" />;
  return (
    <div role="alert" class="error">
      <span data-testid="error">{error}</span>
      <button type="button" class="link" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}

/** A token sign-in form: the token goes to sessionStorage only. */
export function SignIn({
  title,
  label,
  onSignIn,
  children,
}: {
  title: string;
  label: string;
  onSignIn: (token: string) => Promise<void>;
  children?: ComponentChildren;
}) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main class="signin">
      <h1>{title}</h1>
      {children}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          onSignIn(token.trim()).catch((err: unknown) => {
            setError(err instanceof Error ? err.message : String(err));
            setBusy(false);
          });
        }}
      >
        <label for="token">{label}</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          required
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <ErrorBox error={error} onDismiss={() => setError(null)} />
    </main>
  );
}

/** Renders the page's root component into #app, replacing the static "Loading…" placeholder. */
export function mount(app: VNode): void {
  const root = document.getElementById('app') as HTMLElement;
  root.replaceChildren();
  render(app, root);
  // Read by the browser tests: when the first render was done, from navigation start.
  performance.mark('convoflow:rendered');
}

/**
 * A conversation's message box: Enter sends, Shift+Enter breaks the line. The
 * box is cleared at once (the next message may be typed while this one is on
 * its way) and the text put back if `send` answers that it was refused.
 */
export function Composer(props: { id: string; label: string; disabled: boolean; send: (text: string) => Promise<boolean> }) {
  const [text, setText] = useState('');
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        const sending = text.trim();
        if (!sending) return;
        setText('');
        void props.send(sending).then((ok) => {
          if (!ok) setText((current) => current || sending);
        });
      }}
    >
      <label for={props.id}>{props.label}</label>
      <textarea
        id={props.id}
        rows={2}
        value={text}
        disabled={props.disabled}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault();
            e.currentTarget.form?.requestSubmit();
          }
        }}
      />
      <button type="submit" disabled={props.disabled}>
        Send
      </button>
    </form>
  );
}

/**
 * A conversation's messages, read out as they arrive and kept scrolled to the
 * newest; each is labelled from the reader's side ("You" for their own).
 */
export function MessageLog({ messages, reader }: { messages: ChatMessage[]; reader: ChatMessage['sender'] }) {
  const log = useRef<HTMLDivElement>(null);
  useEffect(() => {
    log.current?.lastElementChild?.scrollIntoView({ block: 'nearest' });
  }, [messages.length]);
  const who = (sender: ChatMessage['sender']) => (sender === reader ? 'You' : sender === 'customer' ? 'Customer' : 'Agent');
  return (
    <div class="messages" ref={log} role="log" aria-live="polite" aria-label="Messages" data-testid="messages">
      {messages.map((m) => (
        <p key={m.id} class={`message from-${m.sender}`}>
          <span class="who">{who(m.sender)}</span> {m.text}
          <time class="muted" dateTime={m.createdAt}>
            {clock(m.createdAt)}
          </time>
        </p>
      ))}
    </div>
  );
}
