export * from './result-meta';
export { RedisResultStore, type ResultStoreOptions } from './result-store';
