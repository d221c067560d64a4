export * from './task-message';
export { decodeTaskMessage, parseCeleryTime } from './decode';
export { encodeTaskMessage, type TaskMessageInput } from './encode';
export { MAX_BODY_DEPTH } from './json-depth';
export { unwrapKombuTypes } from './kombu-types';
