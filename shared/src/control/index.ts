export { nodeName, isForNode } from './node-name';
export {
  PidboxServer,
  PIDBOX_EXCHANGE,
  REPLY_EXCHANGE,
  type ControlCommand,
  type PidboxServerOptions,
} from './pidbox';
export { controlCommands, queueInfo, requestInfo, type ControlTarget } from './commands';
export { Revocations, revokedKey, storeRevocations, type RevocationsOptions } from './revocations';
export { ControlClient, type BroadcastOptions, type Replies } from './control-client';
export { WorkerControl, type WorkerControlOptions } from './worker-control';
