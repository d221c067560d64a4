export * from './errors';
export * from './config';
export * from './logging';
export * from './broker';
export * from './results';
export * from './engine';
export * from './client';
export {
  connectRedis,
  describeRedisTarget,
  type RedisConnectionSettings,
  type RedisRole,
  type RedisSentinelSettings,
  type RedisTlsSettings,
} from './redis';
export { TaskMetrics } from './metrics';
export { startOpsServer, type OpsServerOptions } from './ops-server';
export * from './dead-letters';
export { stopOnSignals, exitOnStartFailure } from './process-lifecycle';
export { connectFleet, type FleetConfig, type FleetConnection, type FleetOptions } from './fleet';
export {
  pythonExceptionForCode,
  pythonExceptionOf,
  type PythonException,
} from './python-exceptions';
export * from './events';
export * from './control';
export * from './canvas';
