export * from './topology';
export * from './delay-levels';
export { BrokerConnection, type BrokerConnectionOptions } from './broker-connection';
export { Publisher, type PublisherOptions, type RawPublish } from './publisher';
