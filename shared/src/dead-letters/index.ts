export {
  DeadLetterAdmin,
  resolveDeadQueue,
  type DeadLetter,
  type DeadLetterSummary,
} from './dead-letter-admin';
