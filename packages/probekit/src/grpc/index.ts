export { createGrpcHealth, GrpcHealthService, grpcHealthDefaults, healthServiceDefinition } from './service.js';
export type { GrpcHealthOptions, GrpcServerLike } from './service.js';
export type { HealthCheckRequest, HealthCheckResponse, HealthListResponse, ServingStatus } from './wire.js';
