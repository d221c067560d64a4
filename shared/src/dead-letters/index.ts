export {
  DeadLetterAdmin,
  deadLetterTime,
  resolveDeadQueue,
  type DeadLetterPrune,
  type DeadLetter,
  type DeadLetterSummary,
} from './dead-letter-admin';
