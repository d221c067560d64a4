export {
  list,
  loadConfig,
  loadConfigFragment,
  redactUrl,
  type BurrowConfig,
  type ConfigFragment,
  type QueueType,
} from './load-config';
export { configSchema } from './config-schema';
export { withDotEnv } from './dot-env';
