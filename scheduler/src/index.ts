/**
 * burrow-scheduler: publishes periodic tasks once per fire time across any number of replicas.
 * It may import contracts and shared, never workers.
 */
export * from './schedule-entry';
export * from './fire-times';
export * from './task-id';
export * from './default-schedule';
export * from './schedule-file';
export * from './load-schedule';
export * from './scheduler-config';
export * from './scheduler-metrics';
export * from './slot-store';
export * from './slot-publisher';
export * from './scheduler';
export * from './list-schedule';
export * from './scheduler-process';
