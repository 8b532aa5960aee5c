import { useEffect, useState } from 'preact/hooks';
import { ConversationState } from '../domain/states';
import { createClient, messageOf } from './lib/client';
import { clock } from './lib/format';
import { useModel, useNow } from './lib/model';
import { clearToken, loadToken, saveToken } from './lib/session';
import type { SessionState } from './lib/session-model';
import { SessionModel } from './lib/session-model';
import type { ChatMessage, PositionFrameData, StoredEvent, UiConfig } from './lib/types';
import { Composer, ErrorBox, MessageLog, mount, StatusLine } from './lib/ui';

const PAGE = 'chat';
/** The API without a token: the pages' configuration and starting a chat. */
const publicApi = createClient(() => null);

interface ChatState extends SessionState {
  conversationId: string;
  state: ConversationState;
  agentId: string | null;
  reviveUntil: string | null;
  messages: ChatMessage[];
  /** Where the conversation stands in its queue (the stream's position frames); null when it waits in none. */
  queue: PositionFrameData | null;
}

/** One customer's chat: its standing and messages, kept live by the stream. */
class Chat extends SessionModel<ChatState> {
  protected override position(position: PositionFrameData): void {
    this.state.queue = position.position === null ? null : position;
  }

  async load(): Promise<void> {
    const s = this.state;
    const [me, messages] = await Promise.all([
      this.call('get', '/api/me'),
      this.call('get', '/api/conversations/:id/messages', { params: { id: s.conversationId } }),
    ]);
    if (me.kind !== 'customer') throw new Error('This is not a chat token.');
    s.state = me.conversation.state;
    s.agentId = me.conversation.agentId;
    s.reviveUntil = me.conversation.reviveUntil;
    s.messages = messages.messages;
    this.changed();
  }

  apply(e: StoredEvent): void {
    const s = this.state;
    switch (e.type) {
      case 'conversation.state':
        s.state = e.data.to;
        s.agentId = e.agentId;
        if (e.data.to !== ConversationState.Waiting) s.reviveUntil = null;
        return;
      case 'conversation.assigned':
      case 'conversation.transferred':
        s.agentId = e.agentId;
        return;
      case 'conversation.deadline':
        s.reviveUntil = e.data.reviveUntil;
        return;
      case 'conversation.message':
        if (!s.messages.some((m) => m.id === e.data.messageId)) {
          s.messages.push({
            id: e.data.messageId,
            conversationId: s.conversationId,
            sender: e.data.sender,
            text: e.data.text,
            createdAt: e.data.createdAt,
          });
        }
        return;
      default:
        return;
    }
  }

  operation(op: 'end' | 'revive'): Promise<boolean> {
    return this.act(() => this.call('post', `/api/conversations/:id/${op}`, { params: { id: this.state.conversationId }, body: {} }));
  }

  send(text: string): Promise<boolean> {
    return this.act(async () => {
      const { message } = await this.call('post', '/api/conversations/:id/messages', {
        params: { id: this.state.conversationId },
        body: { text },
      });
      if (!this.state.messages.some((m) => m.id === message.id)) this.state.messages.push(message);
    });
  }
}

/** "about 4 min", or "less than a minute" under 60 s. */
function waitText(ms: number): string {
  return ms < 60_000 ? 'less than a minute' : `about ${Math.round(ms / 60_000)} min`;
}

/** The customer's place in the queue and, once the queue has measured enough waits, the estimated wait. */
function QueuePosition({ queue }: { queue: PositionFrameData | null }) {
  if (queue?.position == null) return null;
  return (
    <>
      {queue.closed ? (
        <span class="closed-until">
          {queue.opensAt
            ? `We are closed now and open at ${new Date(queue.opensAt).toLocaleString([], { weekday: 'long', hour: '2-digit', minute: '2-digit' })}. `
            : 'We are closed now. '}
        </span>
      ) : null}
      <span>You are number {queue.position} in the queue.</span>
      {queue.estimatedWaitMs === null ? null : <span class="estimated-wait"> Estimated wait: {waitText(queue.estimatedWaitMs)}.</span>}
    </>
  );
}

function Standing({ chat, now }: { chat: Chat; now: number }) {
  const s = chat.state;
  switch (s.state) {
    case ConversationState.Open:
      return (
        <div class="standing" data-testid="standing">
          <p>Waiting in queue… an agent will be with you shortly.</p>
          <p class="queue-position" data-slot="queue-position" data-testid="queue-position" aria-live="polite">
            <QueuePosition queue={s.queue} />
          </p>
        </div>
      );
    case ConversationState.Active:
      return (
        <p class="standing" data-testid="standing">
          You are chatting with {s.agentId ?? 'an agent'}.
        </p>
      );
    case ConversationState.WrapUp:
      return (
        <p class="standing" data-testid="standing">
          The agent has ended the chat.
        </p>
      );
    case ConversationState.Waiting: {
      const open = s.reviveUntil !== null && Date.parse(s.reviveUntil) > now;
      return (
        <div class="standing" data-testid="standing">
          <p>The agent has closed the chat.</p>
          {open ? (
            <p>
              You can continue it until <time dateTime={s.reviveUntil as string}>{clock(s.reviveUntil as string)}</time>.{' '}
              <button type="button" onClick={() => void chat.operation('revive')}>
                Continue the chat
              </button>
            </p>
          ) : (
            <p>It can no longer be continued from here.</p>
          )}
        </div>
      );
    }
    case ConversationState.Closed:
      return (
        <p class="standing" data-testid="standing">
          This chat has ended.
        </p>
      );
  }
}

function ChatView({ chat, onNew }: { chat: Chat; onNew: () => void }) {
  const s = useModel(chat);
  const now = useNow(1000);
  const canWrite = s.state === ConversationState.Open || s.state === ConversationState.Active;
  return (
    <main class="chat">
      <header class="top">
        <h1>Chat with us</h1>
        <StatusLine status={s.status} />
      </header>
      <div aria-live="polite">
        <Standing chat={chat} now={now} />
      </div>
      <ErrorBox error={s.error} onDismiss={() => chat.dismissError()} />
      <MessageLog messages={s.messages} reader="customer" />
      <Composer id="message" label="Message" disabled={!canWrite} send={(text) => chat.send(text)} />
      <div class="actions">
        {s.state !== ConversationState.Closed ? (
          <button type="button" onClick={() => void chat.operation('end')}>
            End chat
          </button>
        ) : (
          <button type="button" onClick={onNew}>
            Start a new chat
          </button>
        )}
      </div>
    </main>
  );
}

function StartForm({ onStarted }: { onStarted: (token: string, conversationId: string) => void }) {
  const [name, setName] = useState('');
  const [queueId, setQueueId] = useState('default');
  const [queues, setQueues] = useState<UiConfig['queues']>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    publicApi('get', '/api/ui-config').then(
      (config) => setQueues(config.queues),
      (err: unknown) => setError(messageOf(err)),
    );
  }, []);
  return (
    <main class="signin">
      <h1>Chat with us</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          publicApi('post', '/api/conversations', { body: { customer: { name: name.trim() }, queueId } }).then(
            (started) => onStarted(started.customerToken, started.conversation.conversationId),
            (err: unknown) => {
              setError(messageOf(err));
              setBusy(false);
            },
          );
        }}
      >
        <label for="name">Your name</label>
        <input id="name" autocomplete="name" required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        {queues.length > 1 ? (
          <>
            <label for="queue">Topic</label>
            <select id="queue" value={queueId} onChange={(e) => setQueueId(e.currentTarget.value)}>
              {queues.map((q) => (
                <option key={q.id} value={q.id}>
                  {q.name}
                </option>
              ))}
            </select>
          </>
        ) : null}
        <button type="submit" disabled={busy}>
          Start chat
        </button>
      </form>
      <ErrorBox error={error} onDismiss={() => setError(null)} />
    </main>
  );
}

/** Opens the chat of a started conversation and follows its stream. */
function open(token: string, conversationId: string): Chat {
  const chat = new Chat({
    token,
    conversationId,
    state: ConversationState.Open,
    agentId: null,
    reviveUntil: null,
    messages: [],
    queue: null,
    status: 'connecting',
    error: null,
  });
  chat.start();
  return chat;
}

function App() {
  const [chat, setChat] = useState<Chat | null>(() => {
    const token = loadToken(PAGE);
    const id = sessionStorage.getItem('convoflow.chat.conversation');
    return token && id ? open(token, id) : null;
  });
  useEffect(() => () => chat?.stop(), [chat]);
  if (!chat) {
    return (
      <StartForm
        onStarted={(token, id) => {
          saveToken(PAGE, token);
          sessionStorage.setItem('convoflow.chat.conversation', id);
          setChat(open(token, id));
        }}
      />
    );
  }
  return (
    <ChatView
      chat={chat}
      onNew={() => {
        chat.stop();
        clearToken(PAGE);
        sessionStorage.removeItem('convoflow.chat.conversation');
        setChat(null);
      }}
    />
  );
}

mount(<App />);
