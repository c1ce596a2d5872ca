// The grpc.health.v1 messages in protobuf wire format, by hand (the one codec: the gRPC health
// service and the exec-probe client both use it): four tiny messages do not justify a
// runtime dependency on a protobuf library or shipping a .proto file next to the JavaScript.
// Source: https://github.com/grpc/grpc-proto/blob/master/grpc/health/v1/health.proto

export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

const STATUS_NUMBER: Record<ServingStatus, number> = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 };
export const STATUS_NAME: readonly ServingStatus[] = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

export interface HealthCheckRequest {
  readonly service: string;
}
export interface HealthCheckResponse {
  readonly status: ServingStatus;
}
export interface HealthListResponse {
  readonly statuses: Readonly<Record<string, HealthCheckResponse>>;
}

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

function lengthDelimited(field: number, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...varint(payload.length)]), payload]);
}

/** Calls `onField` for each field; skips unknown wire types correctly. Throws on truncated input. */
function readFields(buffer: Uint8Array, onField: (field: number, wire: number, value: number | Uint8Array) => void): void {
  let pos = 0;
  const readVarint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= buffer.length) throw new Error('truncated varint');
      const byte = buffer[pos++]!;
      if (shift < 32) result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new Error('varint too long');
    }
  };
  while (pos < buffer.length) {
    const key = readVarint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) onField(field, wire, readVarint());
    else if (wire === 2) {
      const length = readVarint();
      if (pos + length > buffer.length) throw new Error('truncated field');
      onField(field, wire, buffer.subarray(pos, pos + length));
      pos += length;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
    if (pos > buffer.length) throw new Error('truncated field');
  }
}

export function encodeRequest(message: HealthCheckRequest): Buffer {
  return message.service === '' ? Buffer.alloc(0) : lengthDelimited(1, Buffer.from(message.service, 'utf8'));
}

export function decodeRequest(buffer: Uint8Array): HealthCheckRequest {
  let service = '';
  readFields(buffer, (field, wire, value) => {
    if (field === 1 && wire === 2) service = Buffer.from(value as Uint8Array).toString('utf8');
  });
  return { service };
}

export function encodeResponse(message: HealthCheckResponse): Buffer {
  const n = STATUS_NUMBER[message.status];
  // NOTE: proto3 omits a field holding its default (UNKNOWN = 0).
  return n === 0 ? Buffer.alloc(0) : Buffer.from([0x08, ...varint(n)]);
}

/** The status number of a HealthCheckResponse: 0 (UNKNOWN) when absent; a number outside the enum is kept. */
export function decodeStatusNumber(buffer: Uint8Array): number {
  let status = 0;
  readFields(buffer, (field, wire, value) => {
    if (field === 1 && wire === 0) status = value as number;
  });
  return status;
}

export function decodeResponse(buffer: Uint8Array): HealthCheckResponse {
  return { status: STATUS_NAME[decodeStatusNumber(buffer)] ?? 'UNKNOWN' };
}

export function encodeListResponse(message: HealthListResponse): Buffer {
  const entries = Object.entries(message.statuses).map(([key, value]) =>
    lengthDelimited(1, Buffer.concat([lengthDelimited(1, Buffer.from(key, 'utf8')), lengthDelimited(2, encodeResponse(value))])),
  );
  return Buffer.concat(entries);
}

export function decodeListResponse(buffer: Uint8Array): HealthListResponse {
  // Keys come from the wire: without a prototype, `__proto__` is a key like any other.
  const statuses: Record<string, HealthCheckResponse> = Object.create(null) as Record<string, HealthCheckResponse>;
  readFields(buffer, (field, wire, value) => {
    if (field !== 1 || wire !== 2) return;
    let key = '';
    let response: HealthCheckResponse = { status: 'UNKNOWN' };
    readFields(value as Uint8Array, (f, w, v) => {
      if (f === 1 && w === 2) key = Buffer.from(v as Uint8Array).toString('utf8');
      else if (f === 2 && w === 2) response = decodeResponse(v as Uint8Array);
    });
    statuses[key] = response;
  });
  return { statuses };
}
