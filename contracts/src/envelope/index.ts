export * from './task-message';
export { decodeTaskMessage, parseCeleryTime } from './decode';
export { encodeTaskMessage, type TaskMessageInput } from './encode';
export { unwrapKombuTypes } from './kombu-types';
