/**
 * The periodic scheduler (burrow-scheduler) lands in its own issue; this package reserves its
 * place in the workspace graph: it may import contracts and shared, never workers.
 */
export const SCHEDULER_PACKAGE = '@burrow/scheduler';
