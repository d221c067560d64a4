import type { ConsumeMessage } from 'amqplib';

/** The part of an amqplib channel that settling deliveries needs. */
export interface AckChannel {
  ack(message: ConsumeMessage, allUpTo?: boolean): void;
  nack(message: ConsumeMessage, allUpTo?: boolean, requeue?: boolean): void;
}

/**
 * Coalesces the acks of one channel that settle in the same turn of the event loop. Acks of
 * the oldest outstanding deliveries go as one `basic.ack multiple` up to the highest
 * contiguous settled tag; the rest go one by one in the same flush, so a long task holding an
 * old tag never delays the acks (and the prefetch window) of the tasks after it. An ack is
 * sent only for a delivery the engine settled, so at-least-once holds as before.
 */
export class AckBatcher {
  /** Delivered and not yet acked or nacked to the broker, in delivery (= tag) order. */
  private readonly outstanding = new Map<number, ConsumeMessage>();
  /** Settled as ack, waiting for the flush. */
  private readonly settled = new Set<number>();
  private flushScheduled = false;

  constructor(
    private readonly channel: AckChannel,
    /** What a flush outside a caller's stack does with a failure (the channel closed). */
    private readonly onFlushError: (err: Error) => void,
  ) {}

  delivered(message: ConsumeMessage): void {
    this.outstanding.set(message.fields.deliveryTag, message);
  }

  ack(message: ConsumeMessage): void {
    this.settled.add(message.fields.deliveryTag);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      try {
        this.flush();
      } catch (err) {
        this.onFlushError(err as Error);
      }
    });
  }

  /** Hands a delivery back at once (the acks settled before it go first). */
  nack(message: ConsumeMessage): void {
    this.flush();
    this.outstanding.delete(message.fields.deliveryTag);
    this.channel.nack(message, false, true);
  }

  /** Sends every settled ack now; throws what the channel throws (closed). */
  flush(): void {
    this.flushScheduled = false;
    if (this.settled.size === 0) return;
    let highest: ConsumeMessage | null = null;
    let covered = 0;
    for (const [tag, message] of this.outstanding) {
      if (!this.settled.has(tag)) break;
      highest = message;
      covered++;
    }
    try {
      if (highest !== null) {
        if (covered === 1) this.channel.ack(highest);
        else this.channel.ack(highest, true);
        for (const [tag] of this.outstanding) {
          if (tag > highest.fields.deliveryTag) break;
          this.outstanding.delete(tag);
          this.settled.delete(tag);
        }
      }
      for (const tag of this.settled) {
        const message = this.outstanding.get(tag);
        this.outstanding.delete(tag);
        if (message) this.channel.ack(message);
      }
    } finally {
      this.settled.clear();
    }
  }
}
