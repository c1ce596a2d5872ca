/**
 * Readiness check for a downstream gRPC service: `grpc.health.v1.Health/Check` on the user's
 * `@grpc/grpc-js` client, so it shares that client's channel. No runtime import of grpc-js.
 */
import type { CheckDefinition } from '../engine/types.js';
import * as v from '../engine/validate.js';
import { decodeResponse, encodeRequest, type HealthCheckResponse } from '../grpc/wire.js';
import { DependencyCheckError, assertClient, raceAbort, responseTime } from './shared.js';

/** The part of a `@grpc/grpc-js` `Client` (every generated service client is one) the check uses. */
export interface GrpcClientLike {
  /** Called as `(method, serialize, deserialize, argument, callback)`, returning a call with `cancel()`. */
  makeUnaryRequest(...args: never[]): unknown;
}

type UnaryRequest = (
  method: string,
  serialize: (value: unknown) => Buffer,
  deserialize: (value: Buffer) => unknown,
  argument: unknown,
  callback: (error: Error | null, value?: unknown) => void,
) => { cancel(): void };

/** Options of `grpcHealthCheck()`. */
export interface GrpcHealthCheckOptions {
  /** The service name asked about; `''` is the server as a whole. @default '' */
  readonly service?: string;
}

export const grpcHealthCheckDefaults = { service: '' } satisfies Required<GrpcHealthCheckOptions>;

const KIND = 'grpc';
const METHOD = '/grpc.health.v1.Health/Check';

/**
 * A readiness check that asks the downstream server's standard health service about `service`
 * and passes only on `SERVING`. The call is cancelled when the run is aborted. grpc-js fails a
 * call at once (UNAVAILABLE) while its channel can not connect, so nothing queues in an outage.
 */
export function grpcHealthCheck(client: GrpcClientLike, options: GrpcHealthCheckOptions = {}): CheckDefinition {
  v.plainObject('options', options);
  v.knownKeys('grpcHealthCheck() options', options, ['service']);
  const service = v.string('service', options.service ?? grpcHealthCheckDefaults.service);
  assertClient('client', client, ['makeUnaryRequest'], 'a @grpc/grpc-js Client');
  const request = { service };
  const about = service === '' ? 'the server' : `service ${JSON.stringify(service)}`;

  const check = async (signal: AbortSignal) => {
    const startedAt = performance.now();
    let call: { cancel(): void } | undefined;
    const answer = new Promise<HealthCheckResponse>((resolve, reject) => {
      call = (client.makeUnaryRequest as UnaryRequest).call(
        client,
        METHOD,
        () => encodeRequest(request),
        (buffer) => decodeResponse(buffer),
        request,
        (error, value) => (error ? reject(error) : resolve(value as HealthCheckResponse)),
      );
    });
    const response = await raceAbort(KIND, signal, answer, () => call?.cancel());
    if (response.status !== 'SERVING') throw new DependencyCheckError(KIND, `${about} is ${response.status}`);
    return responseTime(startedAt, 'component');
  };

  return Object.freeze({ check, dependency: true, componentType: 'component' });
}
