/**
 * TLS certificate expiry check: a handshake with an endpoint, then the days left on the
 * certificate it presents. Uses only `node:tls`.
 */
import { connect, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import type { CheckDefinition } from '../engine/types.js';
import * as v from '../engine/validate.js';
import { DependencyCheckError, abortReason, elapsedMs, wrapError } from './shared.js';

/** Options of `tlsCertificateCheck()`. */
export interface TlsCertificateCheckOptions {
  /** Host name or address to connect to. Required. */
  readonly host: string;
  /** Port to connect to. @default 443 */
  readonly port?: number;
  /** The name sent in SNI and verified against the certificate. @default `host` (none for an IP address) */
  readonly servername?: string;
  /**
   * Fail when the certificate expires in fewer than this many days. Register the check twice to
   * warn first: once with e.g. `14` and `{ critical: false }`, once with `0`. @default 0 (fail once expired)
   */
  readonly minValidDays?: number;
  /** Trusted CA certificates (PEM) instead of Node's bundle, e.g. a private CA. @default Node's CAs */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /**
   * `false` reads the certificate without verifying it, so only its dates are checked (a
   * self-signed or wrong-name certificate then passes until it expires). @default true
   */
  readonly verify?: boolean;
  /** The current time in epoch ms; injectable for tests. @default Date.now */
  readonly now?: () => number;
}

export const tlsCertificateCheckDefaults = {
  port: 443,
  minValidDays: 0,
  verify: true,
  now: Date.now,
} satisfies Required<Omit<TlsCertificateCheckOptions, 'host' | 'servername' | 'ca'>>;

const KIND = 'tls';
const DAY_MS = 86_400_000;

/**
 * A readiness check that completes a TLS handshake with `host:port`, closes the connection at once
 * and fails when the certificate expired (or expires within `minValidDays`), or when the handshake
 * fails (an untrusted or wrong-name certificate while `verify` is on). One new connection per run:
 * give it a long `intervalMs` (an hour is plenty for expiry).
 */
export function tlsCertificateCheck(options: TlsCertificateCheckOptions): CheckDefinition {
  v.plainObject('options', options);
  v.knownKeys('tlsCertificateCheck() options', options, ['host', 'port', 'servername', 'minValidDays', 'ca', 'verify', 'now']);
  const host = v.string('host', options.host);
  const port = options.port ?? tlsCertificateCheckDefaults.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TypeError(`Expected \`port\` to be an integer from 1 to 65535, got \`${v.describe(port)}\``);
  }
  const servername = options.servername === undefined ? undefined : v.string('servername', options.servername);
  const minValidDays = options.minValidDays ?? tlsCertificateCheckDefaults.minValidDays;
  if (typeof minValidDays !== 'number' || !Number.isFinite(minValidDays) || minValidDays < 0) {
    throw new TypeError(`Expected \`minValidDays\` to be a non-negative number, got \`${v.describe(minValidDays)}\``);
  }
  const verify = v.boolean('verify', options.verify ?? tlsCertificateCheckDefaults.verify);
  const now = options.now ?? tlsCertificateCheckDefaults.now;
  if (typeof now !== 'function') throw new TypeError(`Expected \`now\` to be a function, got \`${v.describe(now)}\``);
  const connectOptions: ConnectionOptions = {
    host,
    port,
    rejectUnauthorized: verify,
    ...(servername === undefined ? {} : { servername }),
    ...(options.ca === undefined ? {} : { ca: options.ca as ConnectionOptions['ca'] }),
  };

  const check = (signal: AbortSignal) => {
    const startedAt = performance.now();
    return new Promise<PeerCertificate>((resolve, reject) => {
      if (signal.aborted) return reject(new DependencyCheckError(KIND, abortReason(signal)));
      const socket = connect(connectOptions);
      const onAbort = (): void => {
        socket.destroy();
        reject(new DependencyCheckError(KIND, `${abortReason(signal)} in the handshake with ${host}:${port}`));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('secureConnect', () => {
        signal.removeEventListener('abort', onAbort);
        const certificate = socket.getPeerCertificate();
        // NOTE: destroy, not end: a half-closed socket lingers until the peer answers the FIN.
        socket.destroy();
        resolve(certificate);
      });
      socket.once('error', (error) => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        reject(wrapError(KIND, error));
      });
    }).then((certificate) => verdict(certificate, now(), minValidDays, elapsedMs(startedAt)));
  };

  return Object.freeze({ check, dependency: true, componentType: 'component' });
}

function verdict(certificate: PeerCertificate, nowMs: number, minValidDays: number, handshakeMs: number) {
  if (!certificate || typeof certificate.valid_to !== 'string') throw new DependencyCheckError(KIND, 'the server presented no certificate');
  const notAfter = Date.parse(certificate.valid_to);
  const notBefore = Date.parse(certificate.valid_from);
  const name = certificate.subject?.CN ? `CN=${certificate.subject.CN}` : 'the certificate';
  const expires = new Date(notAfter).toISOString();
  const daysLeft = Math.floor(((notAfter - nowMs) / DAY_MS) * 10) / 10;
  if (nowMs < notBefore) throw new DependencyCheckError(KIND, `${name} is not valid before ${new Date(notBefore).toISOString()}`);
  if (nowMs >= notAfter) throw new DependencyCheckError(KIND, `${name} expired ${expires} (${Math.abs(daysLeft)} days ago)`);
  if (daysLeft < minValidDays) throw new DependencyCheckError(KIND, `${name} expires ${expires}, in ${daysLeft} days (minValidDays ${minValidDays})`);
  return { observedValue: daysLeft, observedUnit: 'days', measurement: 'certificateValidity', componentType: 'component', output: `${name} expires ${expires} (in ${daysLeft} days); handshake ${handshakeMs} ms` };
}
