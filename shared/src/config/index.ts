export { loadConfig, redactUrl, type BurrowConfig } from './load-config';
export { configSchema } from './config-schema';
