export { VirtualClock } from '../engine/clock.js';
export { createFaultProxy, faultProxyDefaults, resolveFaultMode } from './fault-proxy.js';
export type { FaultMode, FaultModeKind, FaultProxy, FaultProxyOptions, ResolvedFaultMode } from './fault-proxy.js';
