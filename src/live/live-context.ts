import type { Store } from '../store/store';
import type { EventHubOptions } from './event-hub';
import { EventHub } from './event-hub';
import type { StreamOptions } from './event-stream';
import { DEFAULT_STREAM_OPTIONS } from './event-stream';

/** Where the supervisor page links each conversation: the Temporal Web UI and the namespace. */
export interface UiConfig {
  /** Base URL of the Temporal Web UI; null when unknown (a cluster without TEMPORAL_UI_URL). */
  temporalUiUrl: string | null;
  namespace: string;
}

/** How an app streams events and what its pages are told; every field optional. */
export interface LiveOptions {
  /** The process's hub (the HTTP server passes its own so it can end streams on shutdown); default: one per app. */
  hub?: EventHub;
  hubOptions?: EventHubOptions;
  stream?: Partial<StreamOptions>;
  ui?: Partial<UiConfig>;
}

/** What the live routes use: the hub, stream settings and the pages' configuration. */
export interface LiveContext {
  hub: EventHub;
  stream: StreamOptions;
  ui: UiConfig;
}

/** The live services of one app. The hub starts with the first stream, so an app nobody streams from never reads the log. */
export function createLiveContext(store: Store, options: LiveOptions = {}): LiveContext {
  return {
    hub: options.hub ?? new EventHub(store, options.hubOptions),
    stream: { ...DEFAULT_STREAM_OPTIONS, ...options.stream },
    ui: { temporalUiUrl: null, namespace: 'default', ...options.ui },
  };
}
