"""The bench's Celery app: the same two tasks as bench/tasks/bench-tasks.js, for a Celery worker
draining the same messages on the same brokers.

    BENCH_QUEUE=<queue> BENCH_BROKER_URL=... BENCH_BACKEND_URL=... \
        /usr/bin/python3 -m celery -A bench_tasks worker -Q <queue> -c 2 -P prefork
"""
import os
import time

from celery import Celery
from kombu import Exchange, Queue
from kombu.transport import pyamqp

# Quorum queues refuse RabbitMQ's global QoS, which Celery 5.2 asks for; Celery 5.5 turns it off
# when it detects quorum queues. Telling kombu the broker's QoS is per consumer does the same here.
pyamqp.Transport.qos_semantics_matches_spec = lambda self, connection: True

queue = os.environ.get("BENCH_QUEUE", "bench")
queue_type = os.environ.get("BENCH_QUEUE_TYPE", "quorum")

app = Celery(
    "bench",
    broker=os.environ.get("BENCH_BROKER_URL", "amqp://guest:guest@localhost:5672//"),
    backend=os.environ.get("BENCH_BACKEND_URL", "redis://localhost:6379/9"),
)
app.conf.update(
    task_queues=[
        Queue(
            queue,
            Exchange(queue, type="direct"),
            routing_key=queue,
            queue_arguments={"x-queue-type": queue_type} if queue_type == "quorum" else None,
        )
    ],
    task_default_queue=queue,
    broker_transport_options={"confirm_publish": True},
    worker_prefetch_multiplier=int(os.environ.get("BENCH_CELERY_PREFETCH_MULTIPLIER", "32")),
    worker_hijack_root_logger=False,
    worker_send_task_events=False,
    result_expires=3600,
)


@app.task(name="bench.noop")
def noop():
    return None


@app.task(name="bench.stamp")
def stamp(sent_at):
    return {"sent_at": sent_at, "started_at": time.time() * 1000}
