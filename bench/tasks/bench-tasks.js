// The bench's task module, loaded by a real burrow-worker through WORKER_TASK_MODULES exactly as
// a user's module is. The queue comes from BENCH_QUEUE so every measured run has its own.
const { Type } = require('@sinclair/typebox');
const { defineTask } = require('@burrow/contracts');

const queue = process.env.BENCH_QUEUE || 'bench';

const noop = defineTask({
  name: 'bench.noop',
  queue,
  description: 'Does nothing; measures the engine around a task.',
  params: [],
  kwargs: Type.Object({}, { additionalProperties: false }),
  result: Type.Null(),
});

const stamp = defineTask({
  name: 'bench.stamp',
  queue,
  description: 'Returns when it started, for enqueue-to-start latency.',
  params: ['sent_at'],
  kwargs: Type.Object({ sent_at: Type.Number() }, { additionalProperties: false }),
  result: Type.Object({ sent_at: Type.Number(), started_at: Type.Number() }),
});

module.exports.tasks = [
  { contract: noop, handler: () => Promise.resolve(null) },
  // performance.timeOrigin + now() is wall-clock milliseconds with sub-millisecond precision.
  {
    contract: stamp,
    handler: ({ sent_at }) =>
      Promise.resolve({ sent_at, started_at: performance.timeOrigin + performance.now() }),
  },
];
