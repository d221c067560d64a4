export { Canvas, type CanvasOptions, type CanvasRun } from './canvas';
export {
  CanvasStore,
  type ChordPart,
  type ChordProgress,
  type FinishedState,
} from './canvas-store';
export { chordError, exceptionRepr, firstFailedPart, pythonRepr } from './chord-error';
export { buildFollowUp, routeOf, type FollowUp, type QueueOf, type Route } from './follow-up';
export { queueOfTasks } from './queue-of';
export {
  callArgs,
  derivedId,
  followUpId,
  readSignature,
  readSignatures,
  signatureToWire,
  type Signature,
} from './signature';
