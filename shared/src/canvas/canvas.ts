import { encodeTaskMessage, type TaskMessage } from '@burrow/contracts';
import { deadQueueName, UnroutableTaskError, type Publisher } from '../broker';
import type { Logger } from '../logging';
import {
  ResultEncodeError,
  celeryException,
  failureMeta,
  type ExceptionInfo,
  type RedisResultStore,
} from '../results';
import type { CanvasStore, ChordPart, FinishedState } from './canvas-store';
import { chordError, firstFailedPart } from './chord-error';
import { buildFollowUp, type FollowUp, type QueueOf } from './follow-up';
import { followUpId, readSignature, readSignatures, type Signature } from './signature';

export interface CanvasOptions {
  readonly publisher: Publisher;
  readonly store: CanvasStore;
  /** Where FAILURE is stored for follow-ups that will never run (a failed chain's later steps). */
  readonly results: RedisResultStore;
  readonly queueOf: QueueOf;
  readonly workerName: string;
  readonly now?: () => number;
}

/** One settle's means: its logger, and Redis calls bounded by its budget. */
export interface CanvasRun {
  readonly log: Logger;
  readonly redis: <T>(what: string, call: () => Promise<T>) => Promise<T>;
}

/** A task whose outcome is durable, seen by its follow-ups. */
interface Parent {
  readonly message: TaskMessage;
  readonly queue: string;
  readonly run: CanvasRun;
}

/**
 * Carries out what a Celery worker does after a task (celery/app/trace.py, backends/base.py,
 * backends/redis.py): links on success with the result prepended, link_error errbacks on final
 * failure with the task id prepended, the next step of a chain with the rest of it, and the
 * chord's part with its body sent by whoever completes it. The settler calls it between the
 * durable outcome and the ack: `prepare` records the outcome before it is stored, `publish` sends
 * the follow-ups through the confirmed publisher and marks them sent, and `resume` lets a
 * redelivery after a crash in between send what was not marked sent, under the same ids.
 */
export class Canvas {
  private readonly now: () => number;

  constructor(private readonly options: CanvasOptions) {
    this.now = options.now ?? Date.now;
  }

  /** True when the message carries anything to do after it: the hot path checks only this. */
  hasFollowUps(message: TaskMessage): boolean {
    const embed = message.embed;
    if (!embed) return false;
    const some = (list: unknown[] | null) => list !== null && list.length > 0;
    return (
      some(embed.callbacks) ||
      some(embed.errbacks) ||
      some(embed.chain) ||
      (embed.chord !== null && message.group !== null)
    );
  }

  /** Records the outcome before it is stored; throws ResultEncodeError for a result JSON cannot hold. */
  async prepare(message: TaskMessage, finished: FinishedState, run: CanvasRun): Promise<void> {
    let json: FinishedState;
    try {
      json = JSON.parse(JSON.stringify(finished)) as FinishedState;
    } catch (err) {
      throw new ResultEncodeError(message.id, err);
    }
    await run.redis('record the outcome for follow-ups', () =>
      this.options.store.recordFinished(message.id, json),
    );
  }

  /** Sends every follow-up of a settled task, then marks them sent. */
  async publish(parent: Parent, finished: FinishedState): Promise<void> {
    const { message, run } = parent;
    const embed = message.embed;
    if (embed?.chord && message.group) await this.chordPart(parent, finished, embed.chord);
    if (finished.state === 'SUCCESS') {
      await this.succeeded(parent, finished.result);
    } else if (finished.state === 'FAILURE') {
      await this.failChain(parent, finished.error);
      await this.errbacks(parent, readSignatures(embed?.errbacks), message.id);
    }
    await run.redis('mark follow-ups sent', () => this.options.store.markSent(message.id));
  }

  /** A redelivery of a settled task: sends the follow-ups a crash left unsent. */
  async resume(message: TaskMessage, queue: string, run: CanvasRun): Promise<void> {
    const unsent = await run.redis('read the follow-up record', () =>
      this.options.store.unsent(message.id),
    );
    if (!unsent) return;
    run.log.warn('task settled before a crash; sending its follow-ups now', {
      state: unsent.state,
    });
    await this.publish({ message, queue, run }, unsent);
  }

  private async succeeded(parent: Parent, result: unknown): Promise<void> {
    const { message } = parent;
    const callbacks = readSignatures(message.embed?.callbacks);
    for (const [i, sig] of callbacks.entries()) {
      await this.send(
        parent,
        this.build(parent, sig, followUpId(sig, message.id, `link:${i}`), [result]),
      );
    }
    const chain = readSignatures(message.embed?.chain);
    const next = chain.pop();
    if (next) {
      const id = followUpId(next, message.id, 'chain');
      await this.send(parent, this.build(parent, next, id, [result], chain));
    }
  }

  /**
   * A failed step fails the rest of its chain: each later step that has an id gets the same
   * FAILURE (Celery's mark_as_failure), so `chain.get()`, which waits on the last, raises.
   */
  private async failChain(parent: Parent, error: ExceptionInfo): Promise<void> {
    for (const sig of readSignatures(parent.message.embed?.chain)) {
      const id = sig.options.task_id;
      if (typeof id === 'string' && id !== '') await this.storeFailure(parent, sig, id, error);
    }
  }

  /** Celery 5's old-style errbacks: called as tasks with the failed task's id prepended. */
  private async errbacks(parent: Parent, errbacks: Signature[], failedId: string): Promise<void> {
    for (const [i, sig] of errbacks.entries()) {
      const id = followUpId(sig, failedId, `link_error:${i}`);
      await this.send(parent, this.build(parent, sig, id, [failedId], [], failedId));
    }
  }

  private async chordPart(parent: Parent, finished: FinishedState, body: unknown): Promise<void> {
    const { message, run } = parent;
    const groupId = message.group!;
    const part: ChordPart = {
      taskId: message.id,
      state: finished.state,
      result: finished.state === 'SUCCESS' ? finished.result : celeryException(finished.error),
    };
    const progress = await run.redis('add the chord part', () =>
      this.options.store.addChordPart(groupId, message.groupIndex, part),
    );
    if (!progress.fire) return;
    const sig = readSignature(body);
    if (!sig) {
      run.log.error('chord complete but its body is not a signature; nothing to call', {
        group: groupId,
      });
    } else {
      await this.fireChord(parent, sig, progress.parts);
    }
    await run.redis('forget the chord', () => this.options.store.forgetChord(groupId));
  }

  /**
   * The header is complete: the body gets the results in header order, or, when a part failed,
   * FAILURE with ChordError and its own errbacks (Celery's chord_error_from_stack).
   */
  private async fireChord(parent: Parent, body: Signature, parts: ChordPart[]): Promise<void> {
    const { message, run } = parent;
    const bodyId = followUpId(body, message.group!, 'chord-body');
    const failed = firstFailedPart(parts);
    if (failed) {
      const error = chordError(failed);
      run.log.warn('chord failed: a header task failed', {
        group: message.group,
        error: error.message,
      });
      await this.storeFailure(parent, body, bodyId, error);
      await this.errbacks(parent, readSignatures(body.options.link_error), bodyId);
      return;
    }
    const rootId = typeof body.options.root_id === 'string' ? body.options.root_id : message.rootId;
    const results = parts.map((part) => part.result);
    const followUp = this.build(parent, body, bodyId, [results], [], message.id, rootId);
    run.log.info('chord complete; sending its body', { group: message.group, parts: parts.length });
    await this.send(parent, followUp);
  }

  private build(
    parent: Parent,
    sig: Signature,
    id: string,
    partial: unknown[],
    chain: Signature[] = [],
    parentId = parent.message.id,
    rootId = parent.message.rootId,
  ): { sig: Signature; followUp: FollowUp } {
    const now = this.now();
    const followUp = buildFollowUp(
      { sig, id, partial, parentId, rootId, chain, now },
      this.options.queueOf,
    );
    return { sig, followUp };
  }

  /** Publishes one follow-up, or dead-letters it with the reason it cannot be sent. */
  private async send(parent: Parent, built: { sig: Signature; followUp: FollowUp }): Promise<void> {
    const { sig, followUp } = built;
    const { message, delaySeconds, route } = followUp;
    if (sig.subtaskType !== null) {
      return this.bury(
        parent,
        built,
        `a ${sig.subtaskType} signature as a follow-up is not supported by burrow workers; only plain task signatures are`,
        'unsupported_canvas',
      );
    }
    if (!route) {
      return this.bury(
        parent,
        built,
        `follow-up task ${sig.task} is not known to this worker and its signature names no queue; set queue= (or routing_key=) on the signature`,
        'unroutable_follow_up',
      );
    }
    try {
      if (route.kind === 'exchange' && delaySeconds === 0) {
        const encoded = encodeTaskMessage(message);
        await this.options.publisher.publish({
          exchange: route.exchange,
          routingKey: route.routingKey,
          content: encoded.content,
          properties: {
            contentType: encoded.contentType,
            contentEncoding: encoded.contentEncoding,
            correlationId: encoded.correlationId,
            headers: encoded.headers,
          },
          mandatory: true,
        });
      } else {
        const queue = route.kind === 'queue' ? route.queue : route.routingKey;
        await this.options.publisher.publishTask(queue, message, delaySeconds);
      }
    } catch (err) {
      if (!(err instanceof UnroutableTaskError)) throw err;
      return this.bury(parent, built, err.message, 'unroutable_follow_up');
    }
    parent.run.log.info('follow-up sent', {
      followUp: message.task,
      followUpId: message.id,
      inSeconds: delaySeconds || undefined,
    });
  }

  /**
   * A follow-up that cannot be sent goes to the parent queue's dead letters with the reason, and
   * its id gets FAILURE, so nothing waits on it for ever and an operator finds it.
   */
  private async bury(
    parent: Parent,
    built: { sig: Signature; followUp: FollowUp },
    reason: string,
    code: string,
  ): Promise<void> {
    const { message } = built.followUp;
    const encoded = encodeTaskMessage(message);
    await this.options.publisher.publish({
      exchange: '',
      routingKey: deadQueueName(parent.queue),
      content: encoded.content,
      properties: {
        contentType: encoded.contentType,
        contentEncoding: encoded.contentEncoding,
        correlationId: encoded.correlationId,
        headers: {
          ...encoded.headers,
          'x-burrow-reason': reason,
          'x-burrow-code': code,
          'x-burrow-error': reason,
          'x-burrow-worker': this.options.workerName,
          'x-burrow-failed-at': new Date(this.now()).toISOString(),
          'x-burrow-attempts': 0,
          'x-burrow-queue': parent.queue,
        },
      },
    });
    const error: ExceptionInfo =
      code === 'unroutable_follow_up'
        ? { type: 'NotRegistered', module: 'celery.exceptions', message: reason }
        : { type: 'RuntimeError', module: 'builtins', message: reason };
    if (built.sig.subtaskType === null)
      await this.storeFailure(parent, built.sig, message.id, error);
    parent.run.log.error('follow-up dead-lettered', {
      followUp: message.task,
      followUpId: message.id,
      reason,
      deadQueue: deadQueueName(parent.queue),
    });
  }

  private async storeFailure(
    parent: Parent,
    sig: Signature,
    taskId: string,
    error: ExceptionInfo,
  ): Promise<void> {
    const meta = failureMeta(
      { taskId, name: sig.task, worker: this.options.workerName, retries: 0, queue: parent.queue },
      error,
    );
    await parent.run.redis('store FAILURE of a follow-up', () =>
      this.options.results.store(meta, { final: true }),
    );
  }
}
