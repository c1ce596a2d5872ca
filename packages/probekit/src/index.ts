export { createHealth, Health, listenDefaults } from './health.js';
export type { HealthOptions, ListenOptions } from './health.js';
export { checkOptionDefaults, engineDefaults } from './engine/engine.js';
export type { EngineOptions, HealthEvents, HeartbeatOptions, MultiProbeCheckOptions } from './engine/engine.js';
export type { CheckTransition } from './engine/runner.js';
export type { Heartbeat } from './engine/heartbeat.js';
export type {
  CheckDefinition,
  CheckDetails,
  CheckFunction,
  CheckKind,
  CheckOptions,
  CheckSnapshot,
  CheckStatus,
  HealthSnapshot,
  ProbeKind,
  RunResult,
} from './engine/types.js';
export type { Clock } from './engine/clock.js';
export { CheckTimeoutError, HealthClosedError } from './engine/errors.js';
export { render } from './http/render.js';
export type { ProbeRequest, ProbeResponse, RenderContext } from './http/render.js';
export type { ProbeServer, ProbeThread } from './http/server.js';
export { evaluate } from './engine/evaluate.js';
export type { ProbeLine, ProbeTarget, ProbeVerdict } from './engine/evaluate.js';
export { shutdownOn, Shutdown, EXIT_INCOMPLETE, WS_GOING_AWAY } from './shutdown/shutdown.js';
export type { ShutdownEvents, ShutdownHealth, ShutdownPhase } from './shutdown/shutdown.js';
export { shutdownDefaults } from './shutdown/options.js';
export type { ShutdownOptions, ShutdownHook, ShutdownLogger, SignalSource, SocketIoServerLike, UncaughtErrorPolicy, WebSocketCloser, WsServerLike } from './shutdown/options.js';
export type { LoggerLike } from './observe/logger.js';
export type { MetricsOptions } from './metrics/collector.js';
export { drainInLifecycle, LifecycleShutdown, lifecycleDefaults } from './shutdown/lifecycle.js';
export type { LifecycleShutdownOptions } from './shutdown/lifecycle.js';
export { discoverServers } from './shutdown/discover.js';
export type { ServerSink } from './shutdown/discover.js';
