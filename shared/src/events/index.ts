export {
  EVENT_EXCHANGE,
  EVENT_EXCHANGE_OPTIONS,
  EventDispatcher,
  LamportClock,
  type EventDispatcherOptions,
  type EventFields,
} from './event-dispatcher';
export { TaskEvents } from './task-events';
export { WorkerHeartbeat, softwareInfo, type WorkerHeartbeatOptions } from './worker-heartbeat';
export { EventTail, type EventTailOptions } from './event-tail';
