"""The Django side of the canvas tests: a stock Celery 5 app routed to burrow's fixture queues.

Configured from the environment (CANVAS_BROKER, CANVAS_BACKEND, CANVAS_QUEUE, CANVAS_QUEUE_B,
CANVAS_QUEUE_PY). It is both the client the tests drive (canvas_client.py) and, for the mixed
fleet, the app of a real Python worker that serves `canvas.py_add` on CANVAS_QUEUE_PY.
"""
import os

from celery import Celery
from kombu import Exchange, Queue

QUEUE = os.environ["CANVAS_QUEUE"]
QUEUE_B = os.environ["CANVAS_QUEUE_B"]
QUEUE_PY = os.environ.get("CANVAS_QUEUE_PY", QUEUE + "-py")

app = Celery("django_backend", broker=os.environ["CANVAS_BROKER"], backend=os.environ["CANVAS_BACKEND"])


def quorum(name):
    return Queue(name, Exchange(name, type="direct", durable=True), routing_key=name,
                 durable=True, queue_arguments={"x-queue-type": "quorum"})


app.conf.update(
    task_queues=(quorum(QUEUE), quorum(QUEUE_B), Queue(QUEUE_PY)),
    task_routes={
        "canvas.mul": {"queue": QUEUE_B},
        "canvas.record": {"queue": QUEUE_B},
        "canvas.py_add": {"queue": QUEUE_PY},
        "canvas.*": {"queue": QUEUE},
    },
    result_expires=600,
    broker_connection_retry_on_startup=True,
)


@app.task(name="canvas.py_add")
def py_add(x, y):
    """The same sum as burrow's canvas.add, run by a Python worker."""
    return x + y
