export {
  list,
  loadConfig,
  loadConfigFragment,
  redactUrl,
  type BurrowConfig,
  type ConfigFragment,
} from './load-config';
export { configSchema } from './config-schema';
