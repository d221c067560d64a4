export * from './topology';
export * from './delay-levels';
export { BrokerConnection, type BrokerConnectionOptions } from './broker-connection';
export { Publisher, type PublisherOptions, type RawPublish } from './publisher';
export { DelayRoutes, UnroutableTaskError } from './delay-routes';
export { TopologyMismatchError, declareTopologyOnce, explainDeclareError } from './topology-check';
