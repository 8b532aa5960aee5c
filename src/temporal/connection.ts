import { readFileSync } from 'node:fs';
import type { ConnectionOptions, TLSConfig } from '@temporalio/client';
import { Client, Connection } from '@temporalio/client';
import type { TemporalConfig } from '../config';

/** What both the client Connection and the worker's NativeConnection need. */
export interface ConnectionSettings {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

/** The cluster address: the configured one, or the embedded dev server's. */
export function temporalAddress(temporal: TemporalConfig): string {
  return temporal.address ?? `127.0.0.1:${temporal.devServer.port}`;
}

function readTls(temporal: TemporalConfig): TLSConfig | boolean | undefined {
  const { tls, apiKey } = temporal;
  if (tls === null) {
    // API keys are only accepted over TLS (Temporal Cloud), so a key alone implies TLS.
    return apiKey === null ? undefined : true;
  }
  const config: TLSConfig = {};
  if (tls.serverName) config.serverNameOverride = tls.serverName;
  if (tls.caPath) config.serverRootCACertificate = readFileSync(tls.caPath);
  if (tls.certPath && tls.keyPath) config.clientCertPair = { crt: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) };
  return config;
}

/** Address, TLS (files read now) and API key for connecting to Temporal. */
export function connectionSettings(temporal: TemporalConfig): ConnectionSettings {
  const settings: ConnectionSettings = { address: temporalAddress(temporal) };
  const tls = readTls(temporal);
  if (tls !== undefined) settings.tls = tls;
  if (temporal.apiKey !== null) settings.apiKey = temporal.apiKey;
  return settings;
}

/** Options for `@temporalio/client`'s Connection. */
export function clientConnectionOptions(temporal: TemporalConfig): ConnectionOptions {
  return { ...connectionSettings(temporal), connectTimeout: '10s' };
}

/** A connected client for the configured namespace; close `connection` on shutdown. */
export async function connectClient(temporal: TemporalConfig): Promise<{ connection: Connection; client: Client }> {
  const connection = await Connection.connect(clientConnectionOptions(temporal));
  return { connection, client: new Client({ connection, namespace: temporal.namespace }) };
}
