import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { service as official } from 'grpc-health-check';
import { decodeListResponse, decodeRequest, encodeListResponse, encodeRequest, type HealthListResponse } from './wire.js';

// Lengths are varints: up to 127 one byte, from 128 two, from 16384 three. A List response with a
// few services, or a request naming a long service, crosses the first boundary. The reference is
// the official grpc-health-check package's own (protobufjs) serializers.
interface Codec<T> {
  requestSerialize(value: T): Buffer;
  requestDeserialize(buffer: Buffer): T;
  responseSerialize(value: T): Buffer;
  responseDeserialize(buffer: Buffer): T;
}
const check = (official as unknown as Record<string, Codec<{ service: string }>>)['Check']!;
const list = (official as unknown as Record<string, Codec<HealthListResponse>>)['List']!;

describe('the hand-written wire format at varint length boundaries', () => {
  for (const length of [0, 1, 127, 128, 200, 16_383, 16_384, 70_000]) {
    test(`a Check request naming a ${length}-byte service matches the official encoding both ways`, () => {
      const service = 'é'.repeat(Math.floor(length / 2)) + 's'.repeat(length % 2);
      assert.equal(Buffer.byteLength(service), length);
      const ours = encodeRequest({ service });
      // proto3 omits an empty string (we do); protobufjs writes it as a zero-length field. Both read back as "".
      if (length > 0) assert.deepEqual(ours, check.requestSerialize({ service }));
      assert.deepEqual(decodeRequest(check.requestSerialize({ service })), { service });
      assert.deepEqual(check.requestDeserialize(ours), { service });
    });
  }

  test('a List response with many services and entries over 127 bytes decodes in the official client, and back', () => {
    const statuses: Record<string, { status: 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'SERVICE_UNKNOWN' }> = {};
    const kinds = ['SERVING', 'NOT_SERVING', 'UNKNOWN', 'SERVICE_UNKNOWN'] as const;
    for (let i = 0; i < 40; i += 1) statuses[`check-${i}`] = { status: kinds[i % 4]! };
    statuses['a-name-long-enough-to-need-a-two-byte-length-'.repeat(4)] = { status: 'NOT_SERVING' };
    statuses['x'.repeat(20_000)] = { status: 'SERVING' };
    const message = { statuses };
    const ours = encodeListResponse(message);
    assert.ok(ours.length > 20_000);
    assert.deepEqual(list.responseDeserialize(ours), message);
    // NOTE: decoded statuses are a null-prototype map (a service named like an Object.prototype member is just a key).
    assert.deepEqual({ statuses: { ...decodeListResponse(list.responseSerialize(message)).statuses } }, message);
  });
});
