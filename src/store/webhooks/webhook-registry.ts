import type { WebhookDeliveryStatus } from '../../domain/webhooks';
import type { Operations } from '../program';
import { read, readingEvents, write } from '../program';
import * as webhooks from './webhook-programs';
import type { NewWebhookEndpoint, WebhookAttempt, WebhookBatch, WebhookDelivery, WebhookEndpoint, WebhookTarget } from './webhook-types';

export type { NewWebhookEndpoint, WebhookAttempt, WebhookBatch, WebhookDelivery, WebhookEndpoint, WebhookTarget } from './webhook-types';

/** Webhook endpoints, where their delivery stands, and what retention must keep for them. */
export interface WebhookRegistry {
  /** Registers an endpoint receiving the events committed after this call; an existing id answers the existing endpoint. */
  addWebhookEndpoint(endpoint: NewWebhookEndpoint): Promise<WebhookEndpoint>;
  getWebhookEndpoint(id: string): Promise<WebhookEndpoint | null>;
  /** Every endpoint, oldest first. */
  listWebhookEndpoints(): Promise<WebhookEndpoint[]>;
  /** The URL and sealed secret to deliver with; null once deleted. */
  getWebhookTarget(id: string): Promise<WebhookTarget | null>;
  /** Deletes an endpoint and its delivery records (its workflow ends at its next look); whether it existed. */
  deleteWebhookEndpoint(id: string): Promise<boolean>;
  /** Records `afterId` as handled and reads the next subscribed events after it (at most `limit`, 1-1000; an empty batch records its `through` too); null once deleted. */
  nextWebhookEvents(id: string, afterId: number, limit: number): Promise<WebhookBatch | null>;
  /** Records an attempt's outcome (moving the cursor once delivered or failed); false once deleted. */
  recordWebhookAttempt(attempt: WebhookAttempt): Promise<boolean>;
  /** Recent deliveries, newest event first (the last 1,000 per endpoint are kept). */
  listWebhookDeliveries(id: string, options: { limit: number; status?: WebhookDeliveryStatus }): Promise<WebhookDelivery[]>;
  /**
   * The `keepAfterId` to prune events older than `before` with: the lowest
   * endpoint cursor, but not below the newest event older than `holdCapBefore`
   * (endpoints that far behind are marked failing). Null: nothing is held.
   */
  webhookRetentionFloor(before: Date, holdCapBefore: Date): Promise<number | null>;
}

/** The WebhookRegistry operations. */
export const webhookRegistryOperations: Operations<WebhookRegistry> = {
  addWebhookEndpoint: readingEvents(write(webhooks.addWebhookEndpoint)),
  getWebhookEndpoint: read(webhooks.getWebhookEndpoint),
  listWebhookEndpoints: read(webhooks.listWebhookEndpoints),
  getWebhookTarget: read(webhooks.getWebhookTarget),
  deleteWebhookEndpoint: write(webhooks.deleteWebhookEndpoint),
  nextWebhookEvents: readingEvents(write(webhooks.nextWebhookEvents)),
  recordWebhookAttempt: write(webhooks.recordWebhookAttempt),
  listWebhookDeliveries: read(webhooks.listWebhookDeliveries),
  webhookRetentionFloor: readingEvents(write(webhooks.webhookRetentionFloor)),
};
