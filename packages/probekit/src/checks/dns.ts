/** DNS readiness check: resolve a name through node:dns/promises with a cancellable resolver. */
import { Resolver } from 'node:dns/promises';
import type { CheckDefinition } from '../engine/types.js';
import * as v from '../engine/validate.js';
import { DependencyCheckError, raceAbort, responseTime } from './shared.js';

export type DnsRecordType = 'A' | 'AAAA' | 'CNAME' | 'MX' | 'NS' | 'SRV' | 'TXT';

/** Options of `dnsCheck()`. */
export interface DnsCheckOptions {
  /** The record type to resolve. @default 'A' */
  readonly rrtype?: DnsRecordType;
  /** DNS servers (`'10.0.0.10'`, `'127.0.0.1:5353'`). @default the system's (resolv.conf) */
  readonly servers?: readonly string[];
  /** Per-query timeout of the resolver itself; the run's signal cancels earlier. @default 1000 */
  readonly queryTimeoutMs?: number;
}

export const dnsCheckDefaults = { rrtype: 'A', queryTimeoutMs: 1000 } satisfies Required<Omit<DnsCheckOptions, 'servers'>>;

const RRTYPES: readonly DnsRecordType[] = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'SRV', 'TXT'];
const KIND = 'dns';

/**
 * A readiness check that resolves `hostname` with a DNS query (not getaddrinfo, which can not be
 * cancelled and reads /etc/hosts). On abort the resolver's outstanding queries are cancelled.
 */
export function dnsCheck(hostname: string, options: DnsCheckOptions = {}): CheckDefinition {
  v.string('hostname', hostname);
  if (hostname === '') throw new TypeError('Expected `hostname` to be a non-empty string, got `""`');
  v.plainObject('options', options);
  v.knownKeys('dnsCheck() options', options, ['rrtype', 'servers', 'queryTimeoutMs']);
  const rrtype = v.oneOf('rrtype', options.rrtype ?? dnsCheckDefaults.rrtype, RRTYPES);
  const queryTimeoutMs = v.positiveInteger('queryTimeoutMs', options.queryTimeoutMs ?? dnsCheckDefaults.queryTimeoutMs);
  const servers = options.servers;
  if (servers !== undefined && (!Array.isArray(servers) || !servers.every((s) => typeof s === 'string'))) {
    throw new TypeError(`Expected \`servers\` to be an array of addresses, got \`${v.describe(servers)}\``);
  }

  const check = async (signal: AbortSignal) => {
    const startedAt = performance.now();
    // One resolver per run: cancel() aborts every query of a resolver, never another run's.
    const resolver = new Resolver({ timeout: queryTimeoutMs, tries: 1 });
    if (servers) resolver.setServers([...servers]);
    const records = await raceAbort(KIND, signal, resolver.resolve(hostname, rrtype) as Promise<unknown[]>, () => resolver.cancel());
    if (!Array.isArray(records) || records.length === 0) throw new DependencyCheckError(KIND, `${hostname} has no ${rrtype} record`);
    return responseTime(startedAt, 'component', `${records.length} ${rrtype} record${records.length === 1 ? '' : 's'}`);
  };

  return Object.freeze({ check, dependency: true, componentType: 'component' });
}
