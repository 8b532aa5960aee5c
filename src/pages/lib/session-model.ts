import type { PositionFrameData } from '../../live/position-frame';
import { messageOf } from './client';
import type { ApiCall } from './client';
import { createClient } from './client';
import type { StreamStatus } from './event-stream';
import { followEvents } from './event-stream';
import { Model } from './model';
import { observeServerTime } from './server-clock';
import type { StoredEvent } from './types';

/** What every signed-in page holds besides its own state: the token, the stream's standing, the last refusal. */
export interface SessionState {
  token: string;
  status: StreamStatus;
  error: string | null;
}

/**
 * A signed-in page's model: calls the API with its token, follows the event
 * stream (loading on connect and after a reset, applying each event), and runs
 * actions so that a refusal shows the API's message. Each page says how it
 * loads and what an event changes.
 */
export abstract class SessionModel<S extends SessionState> extends Model<S> {
  /** The API, typed from its routes, called with this page's token. */
  protected readonly call: ApiCall = createClient(() => this.state.token);
  private stream: { close(): void } | null = null;

  /** Reads the page's state from the API (on connect, and after the stream's reset). */
  abstract load(): Promise<void>;
  /** Applies one stream event to the state (events carry absolute values: applying one twice is harmless). */
  abstract apply(event: StoredEvent): void;
  /** The queue position of a customer's conversation (only the chat follows one). */
  protected position?(position: PositionFrameData): void;

  /** Follows the event stream; `query` narrows it (`?types=…`). */
  start(query = ''): void {
    this.stream = followEvents(
      this.state.token,
      {
        load: () => this.load(),
        apply: (event) => {
          observeServerTime(event.at);
          this.apply(event);
          this.changed();
        },
        position: this.position
          ? (position) => {
              this.position?.(position);
              this.changed();
            }
          : undefined,
        status: (status, detail) => {
          this.state.status = status;
          if (detail && status !== 'live') this.state.error = detail;
          this.changed();
        },
      },
      query,
    );
  }

  stop(): void {
    this.stream?.close();
  }

  /** Runs an action; a refusal shows the API's message. Answers whether it worked. */
  async act(work: () => Promise<unknown>): Promise<boolean> {
    this.state.error = null;
    this.changed();
    try {
      await work();
      return true;
    } catch (error) {
      this.state.error = messageOf(error);
      return false;
    } finally {
      this.changed();
    }
  }

  /** Clears the refusal shown. */
  dismissError(): void {
    this.state.error = null;
    this.changed();
  }
}
