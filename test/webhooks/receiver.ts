import type { IncomingHttpHeaders, Server } from 'node:http';
import { createServer } from 'node:http';
import type { StoredEvent } from '../../src/domain/events';
import { freePortBlock } from '../helpers/ports';

/** One request a receiver got. */
export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  /** The raw body, as signed. */
  body: string;
  event: StoredEvent;
  /** The status it answered. */
  answered: number;
}

/** How the receiver answers an event: a status, or a function of the event. */
export type Answer = number | ((event: StoredEvent) => number);

/**
 * A webhook receiver on 127.0.0.1 (a port below the ephemeral range, so it can
 * go down and come back on the same one): records every request and answers
 * `answer` (default 200). `down()` closes it (connection refused), `up()` reopens it.
 */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  answer: Answer = 200;
  private server: Server | null = null;

  private constructor(private readonly port: number) {}

  /** A receiver that is up. */
  static async start(): Promise<Receiver> {
    const receiver = new Receiver(await freePortBlock(1));
    await receiver.up();
    return receiver;
  }

  /** Where to register it. */
  url(path = '/hooks'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Requests it answered 2xx, in arrival order. */
  get accepted(): ReceivedRequest[] {
    return this.requests.filter((r) => r.answered >= 200 && r.answered < 300);
  }

  /** Accepting connections again. */
  up(): Promise<void> {
    if (this.server) return Promise.resolve();
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const event = JSON.parse(body) as StoredEvent;
        const answered = typeof this.answer === 'number' ? this.answer : this.answer(event);
        this.requests.push({ headers: req.headers, body, event, answered });
        res.statusCode = answered;
        res.end(answered >= 200 && answered < 300 ? 'ok' : 'not now');
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  /** Closed: connections are refused until `up()`. */
  down(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Waits until `check` holds (polling every 25 ms, at most `timeoutMs`). */
  async until(check: (r: Receiver) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this)) {
      if (Date.now() > deadline) {
        throw new Error(
          `receiver: condition not met in ${timeoutMs} ms; got ${JSON.stringify(this.requests.map((r) => [r.event.id, r.answered]))}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
