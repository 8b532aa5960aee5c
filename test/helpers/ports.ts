import { readFileSync } from 'node:fs';
import { bindProblem } from '../../src/temporal/dev-server-ports';

/** Where the kernel's ephemeral ports begin (bind(0), outgoing connections), per /proc or Linux's default. */
function ephemeralRangeStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
}

const LOWEST = 20_000;
const ATTEMPTS = 50;

/**
 * The first of `size` consecutive ports on 127.0.0.1 that are all free now.
 * They lie below the ephemeral range, so neither port 0 (the Temporal CLI picks
 * its internal services' ports that way) nor an outgoing connection can take
 * one before the test binds it; a random start keeps parallel test files apart.
 */
export async function freePortBlock(size: number): Promise<number> {
  const highest = Math.min(ephemeralRangeStart(), 65_536) - size;
  if (highest <= LOWEST) throw new Error('No room below the ephemeral port range for a block of test ports.');
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const base = LOWEST + Math.floor(Math.random() * (highest - LOWEST));
    let free = true;
    for (let port = base; port < base + size && free; port++) free = (await bindProblem('127.0.0.1', port)) === null;
    if (free) return base;
  }
  throw new Error(`No block of ${size} free ports found in ${ATTEMPTS} tries.`);
}

/** Ports for one dev server (gRPC, UI, and gRPC + 10 and + 11) plus `extra` more, all free and apart from other tests'. */
export async function devServerPorts(extra = 0): Promise<{ port: number; uiPort: number; extra: number[] }> {
  // gRPC at base, UI and the extras right after it, the HTTP API and metrics at base + 10 and + 11.
  const base = await freePortBlock(12);
  if (extra > 8) throw new Error('At most 8 extra ports fit between the UI port and base + 10.');
  return { port: base, uiPort: base + 1, extra: Array.from({ length: extra }, (_, i) => base + 2 + i) };
}
