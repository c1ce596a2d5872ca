import type { ServerUnaryCall, ServerWritableStream, ServiceDefinition, UntypedServiceImplementation, sendUnaryData } from '@grpc/grpc-js';
import type { HealthEngine } from '../engine/engine.js';
import { evaluate } from '../engine/evaluate.js';
import type { HealthSnapshot, ProbeKind } from '../engine/types.js';
import * as v from '../engine/validate.js';
import {
  decodeListResponse,
  decodeRequest,
  decodeResponse,
  encodeListResponse,
  encodeRequest,
  encodeResponse,
  type HealthCheckRequest,
  type HealthCheckResponse,
  type HealthListResponse,
  type ServingStatus,
} from './wire.js';

// NOTE: numeric gRPC status codes (grpc/doc/statuscodes.md), so this module needs no runtime import of @grpc/grpc-js.
const NOT_FOUND = 5;
const RESOURCE_EXHAUSTED = 8;

/** Options of `createGrpcHealth()`. Every default is listed. */
export interface GrpcHealthOptions {
  /** List answers RESOURCE_EXHAUSTED above this many services, as the reference implementation does. @default 100 */
  readonly maxListedServices?: number;
}

export const grpcHealthDefaults = { maxListedServices: 100 } satisfies Required<GrpcHealthOptions>;

// NOTE: looked up by a name from the wire: a Map, so `constructor` or `__proto__` is no probe.
const PROBE_SERVICES: ReadonlyMap<string, ProbeKind> = new Map([['', 'readiness'], ['readiness', 'readiness'], ['liveness', 'liveness'], ['startup', 'startup']]);


/** The grpc.health.v1.Health service definition for `server.addService()`. */
export const healthServiceDefinition = {
  check: {
    path: '/grpc.health.v1.Health/Check',
    requestStream: false,
    responseStream: false,
    requestSerialize: encodeRequest,
    requestDeserialize: decodeRequest,
    responseSerialize: encodeResponse,
    responseDeserialize: decodeResponse,
    originalName: 'Check',
  },
  watch: {
    path: '/grpc.health.v1.Health/Watch',
    requestStream: false,
    responseStream: true,
    requestSerialize: encodeRequest,
    requestDeserialize: decodeRequest,
    responseSerialize: encodeResponse,
    responseDeserialize: decodeResponse,
    originalName: 'Watch',
  },
  list: {
    path: '/grpc.health.v1.Health/List',
    requestStream: false,
    responseStream: false,
    requestSerialize: () => Buffer.alloc(0),
    requestDeserialize: () => ({}),
    responseSerialize: encodeListResponse,
    responseDeserialize: decodeListResponse,
    originalName: 'List',
  },
} satisfies ServiceDefinition;

/** The smallest part of a grpc-js `Server` this service needs. */
export interface GrpcServerLike {
  addService(service: ServiceDefinition, implementation: UntypedServiceImplementation): void;
}

/**
 * grpc.health.v1.Health fed by the health snapshot: `""` and `readiness` answer readiness,
 * `liveness` and `startup` their probes, and every check name its own status.
 */
export class GrpcHealthService {
  readonly definition = healthServiceDefinition;
  readonly #engine: HealthEngine;
  readonly #options: Required<GrpcHealthOptions>;
  readonly #watchers = new Set<{ readonly service: string; last: ServingStatus; readonly call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse> }>();
  readonly #offs: (() => void)[] = [];
  #shutDown = false;
  #closed = false;

  constructor(engine: HealthEngine, options: GrpcHealthOptions = {}) {
    v.plainObject('grpc health options', options);
    v.knownKeys('grpc health options', options, Object.keys(grpcHealthDefaults));
    this.#options = { maxListedServices: v.positiveInteger('maxListedServices', options.maxListedServices ?? grpcHealthDefaults.maxListedServices) };
    this.#engine = engine;
    this.#offs.push(engine.on('change', () => this.#notify()));
    this.#offs.push(engine.on('shutdown', () => this.shutdown()));
    if (engine.shuttingDown) this.#shutDown = true;
  }

  /** The implementation for `server.addService(definition, implementation)`. */
  get implementation(): UntypedServiceImplementation {
    return {
      check: (call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, callback: sendUnaryData<HealthCheckResponse>) => {
        const status = this.status(call.request.service);
        if (status === undefined) callback({ code: NOT_FOUND, details: `unknown service ${JSON.stringify(call.request.service)}` }, null);
        else callback(null, { status });
      },
      watch: (call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) => {
        const service = call.request.service;
        const watcher = { service, last: this.status(service) ?? 'SERVICE_UNKNOWN', call };
        this.#watchers.add(watcher);
        const remove = (): void => {
          this.#watchers.delete(watcher);
        };
        call.once('cancelled', remove);
        call.once('close', remove);
        call.once('error', remove);
        // NOTE: the first message is the current status; after that only changes are sent (health.proto).
        call.write({ status: watcher.last });
        if (this.#closed) call.end();
      },
      list: (_call: ServerUnaryCall<unknown, HealthListResponse>, callback: sendUnaryData<HealthListResponse>) => {
        const names = this.services();
        if (names.length > this.#options.maxListedServices) {
          callback({ code: RESOURCE_EXHAUSTED, details: `too many services to list (${names.length} > ${this.#options.maxListedServices})` }, null);
          return;
        }
        const statuses: Record<string, HealthCheckResponse> = Object.create(null) as Record<string, HealthCheckResponse>;
        for (const name of names) statuses[name] = { status: this.status(name) ?? 'UNKNOWN' };
        callback(null, { statuses });
      },
    };
  }

  /** Adds the service to a grpc-js server. */
  addToServer(server: GrpcServerLike): void {
    server.addService(this.definition, this.implementation);
  }

  /** Every service name answered: `""`, the three probes, then each check. */
  services(snapshot: HealthSnapshot = this.#engine.snapshot()): string[] {
    return [...PROBE_SERVICES.keys(), ...snapshot.checks.map((c) => c.name)];
  }

  /** The status of a service, or undefined when it is unknown. */
  status(service: string, snapshot: HealthSnapshot = this.#engine.snapshot()): ServingStatus | undefined {
    const probe = PROBE_SERVICES.get(service);
    const check = probe === undefined ? snapshot.checks.find((c) => c.name === service) : undefined;
    if (probe === undefined && check === undefined) return undefined;
    // NOTE: after shutdown every service is NOT_SERVING for good, as grpc-go's health server does on Shutdown().
    if (this.#shutDown || snapshot.shuttingDown) return 'NOT_SERVING';
    if (probe !== undefined) return evaluate(snapshot, probe, { loopBlockedMs: this.#engine.loopBlockedMs() }).ok ? 'SERVING' : 'NOT_SERVING';
    return check!.status === 'pass' ? 'SERVING' : 'NOT_SERVING';
  }

  /** Sets every service NOT_SERVING for good (called on the engine's shutdown). Idempotent. */
  shutdown(): void {
    if (this.#shutDown) return;
    this.#shutDown = true;
    this.#notify();
  }

  /** Stops following the engine and ends every Watch stream. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#offs) off();
    for (const watcher of this.#watchers) watcher.call.end();
    this.#watchers.clear();
  }

  #notify(): void {
    if (this.#watchers.size === 0) return;
    const snapshot = this.#engine.snapshot();
    for (const watcher of this.#watchers) {
      const status = this.status(watcher.service, snapshot) ?? 'SERVICE_UNKNOWN';
      if (status === watcher.last) continue;
      watcher.last = status;
      watcher.call.write({ status });
    }
  }
}

/** Creates the grpc.health.v1.Health service for `health`; add it with `addToServer(server)`. */
export function createGrpcHealth(engine: HealthEngine, options: GrpcHealthOptions = {}): GrpcHealthService {
  return new GrpcHealthService(engine, options);
}
