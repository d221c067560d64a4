import type { ChannelModel } from 'amqplib';
import { ConfigError } from '../errors';
import { applyTopology, type Topology } from './topology';

/**
 * The broker holds a queue declared otherwise than this process declares it (RabbitMQ's 406
 * PRECONDITION_FAILED "inequivalent arg"), said in terms of the setting that fixes it.
 */
export class TopologyMismatchError extends ConfigError {
  constructor(
    message: string,
    readonly queue: string | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Declares `topology` once on a channel of its own and closes it. Run before any long-lived
 * channel is opened: a refused declaration closes its channel, and a long-lived channel whose
 * setup is refused is retried on every reconnect, so the process would loop instead of failing
 * with a message an operator can act on.
 */
export async function declareTopologyOnce(
  connection: ChannelModel,
  topology: Topology,
): Promise<void> {
  if (isEmpty(topology)) return;
  const channel = await connection.createChannel();
  // The broker closes the channel on a refusal; the error is already what the await rejects with.
  channel.on('error', () => undefined);
  try {
    await applyTopology(channel, topology);
  } catch (err) {
    throw explainDeclareError(err as Error);
  } finally {
    await channel.close().catch(() => undefined);
  }
}

function isEmpty(topology: Topology): boolean {
  return (
    topology.exchanges.length === 0 &&
    topology.queues.length === 0 &&
    topology.bindings.length === 0 &&
    topology.exchangeBindings.length === 0
  );
}

/**
 * Turns RabbitMQ's 406 about a queue's `x-queue-type` into advice naming QUEUE_TYPE; other
 * errors are returned unchanged.
 */
export function explainDeclareError(err: Error): Error {
  const text = err.message;
  if (!/PRECONDITION.FAILED/i.test(text) || !/inequivalent arg/.test(text)) return err;
  const queue = /for queue '([^']*)'/.exec(text)?.[1] ?? null;
  const arg = /inequivalent arg '([^']*)'/.exec(text)?.[1] ?? '';
  const named = queue === null ? 'a queue' : `queue '${queue}'`;
  const guide = 'see docs/switch-from-celery.md';
  if (arg === 'x-queue-type' && /received the value 'quorum'/.test(text))
    return new TopologyMismatchError(
      `${named} already exists as a classic queue (as Celery declares it), and this process declares it as a quorum queue (QUEUE_TYPE=quorum, the default). ` +
        `Set QUEUE_TYPE=classic to work on the existing queues, or move them to quorum queues first (${guide}). RabbitMQ said: ${text}`,
      queue,
      { cause: err },
    );
  if (arg === 'x-queue-type' && /current is the value 'quorum'/.test(text))
    return new TopologyMismatchError(
      `${named} already exists as a quorum queue, and this process declares it as a classic queue (QUEUE_TYPE=classic). ` +
        `Set QUEUE_TYPE=quorum (the default). RabbitMQ said: ${text}`,
      queue,
      { cause: err },
    );
  return new TopologyMismatchError(
    `${named} already exists with other arguments ('${arg}') than burrow declares; declare it as burrow does (QUEUE_TYPE, docs/celery_config.py) or delete and re-declare it (${guide}). RabbitMQ said: ${text}`,
    queue,
    { cause: err },
  );
}
