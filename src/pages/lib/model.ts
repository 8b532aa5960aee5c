import { useEffect, useState } from 'preact/hooks';

/**
 * A page's state as one mutable object: stream events and API answers change
 * it in place and call `changed()`, and the components subscribed re-render.
 */
export class Model<T> {
  private readonly listeners = new Set<() => void>();
  constructor(readonly state: T) {}

  /** Tells subscribed components to re-render. */
  changed(): void {
    for (const listener of this.listeners) listener();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Re-renders the component whenever `model` changes; answers its state. */
export function useModel<T>(model: Model<T>): T {
  const [, setVersion] = useState(0);
  useEffect(() => model.subscribe(() => setVersion((n) => n + 1)), [model]);
  return model.state;
}

/** The current time, re-read every `intervalMs` (for "time in state" and countdowns). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
