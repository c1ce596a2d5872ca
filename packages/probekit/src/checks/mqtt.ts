/**
 * MQTT readiness check for mqtt.js (v5): connected, then a QoS 1 PUBLISH/PUBACK round trip to a
 * private topic nobody subscribes to. No runtime import of `mqtt`.
 */
import type { CheckDefinition } from '../engine/types.js';
import * as v from '../engine/validate.js';
import { DependencyCheckError, raceAbort, responseTime } from './shared.js';

/** The part of an mqtt.js `MqttClient` the check uses. */
export interface MqttClientLike {
  readonly connected: boolean;
  readonly reconnecting: boolean;
  readonly disconnecting: boolean;
  readonly disconnected?: boolean;
  readonly options?: { readonly clientId?: string };
  publishAsync(topic: string, message: string, options: { qos: 1; retain: false }): Promise<unknown>;
}

/** Options of `mqttCheck()`. */
export interface MqttCheckOptions {
  /** The topic of the round-trip message. Give it an ACL that allows publishing. @default `probekit/health/<clientId>` */
  readonly topic?: string;
}

const KIND = 'mqtt';

/**
 * A readiness check on an mqtt.js client: fails at once while it is not connected (mqtt.js
 * reconnects on its own), else publishes an empty, non-retained QoS 1 message and waits for the
 * broker's PUBACK. A PUBACK still pending from an earlier run fails the run instead of publishing again.
 */
export function mqttCheck(client: MqttClientLike, options: MqttCheckOptions = {}): CheckDefinition {
  v.plainObject('options', options);
  v.knownKeys('mqttCheck() options', options, ['topic']);
  const c = client as unknown as Record<string, unknown> | null;
  if (!c || typeof c !== 'object' || typeof c['publishAsync'] !== 'function' || typeof c['connected'] !== 'boolean') {
    throw new TypeError(
      `Expected \`client\` to be an mqtt.js MqttClient (with \`connected\` and publishAsync()), got \`${c === null || typeof c !== 'object' ? v.describe(c) : 'an object without them'}\``,
    );
  }
  const topic = options.topic === undefined ? `probekit/health/${client.options?.clientId ?? 'client'}` : v.string('topic', options.topic);
  if (/[#+]/.test(topic) || topic === '') throw new TypeError(`Expected \`topic\` to be a topic name without wildcards, got \`${v.describe(topic)}\``);
  let pending = false;

  const check = async (signal: AbortSignal) => {
    const startedAt = performance.now();
    if (!client.connected) {
      const state = client.disconnecting || client.disconnected ? 'disconnected' : client.reconnecting ? 'reconnecting' : 'connecting';
      throw new DependencyCheckError(KIND, `client is not connected (${state})`);
    }
    if (pending) throw new DependencyCheckError(KIND, 'previous PUBACK still pending on the connection');
    pending = true;
    const publish = client.publishAsync(topic, '', { qos: 1, retain: false });
    publish.then(
      () => (pending = false),
      () => (pending = false),
    );
    await raceAbort(KIND, signal, publish);
    return responseTime(startedAt, 'component');
  };

  return Object.freeze({ check, dependency: true, componentType: 'component' });
}
