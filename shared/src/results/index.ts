export * from './result-meta';
export {
  RedisResultStore,
  ResultEncodeError,
  type ResultStoreOptions,
  type StoreOptions,
} from './result-store';
