export { VirtualClock } from '../engine/clock.js';
export { createFaultProxy, faultProxyDefaults } from './fault-proxy.js';
export type { FaultMode, FaultModeKind, FaultProxy, FaultProxyOptions } from './fault-proxy.js';
