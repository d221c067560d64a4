"""Runs one canvas scenario with the stock Celery 5 client against burrow workers.

Usage: canvas_client.py SCENARIO   (configuration from the environment: see canvas_app.py)
Prints one JSON object: what the scenario's results returned or raised.
"""
import json
import sys
import time
import uuid

from celery import Celery, chain, chord, group
from celery.exceptions import ChordError

from canvas_app import app

sig = app.signature
TIMEOUT = 60


def raised(call):
    try:
        return {"returned": call()}
    except Exception as exc:  # noqa: BLE001 - the type and message are what we report
        return {"raised": type(exc).__name__, "module": type(exc).__module__, "message": str(exc)}


def elsewhere():
    """A client of its own, as a later request of the Django app would have: the one that sent
    a task already holds its result's pubsub message, and a second AsyncResult of it waits."""
    return Celery("elsewhere", broker=app.conf.broker_url, backend=app.conf.result_backend)


def link():
    callback_id = str(uuid.uuid4())
    parent = sig("canvas.add", args=(2, 3)).apply_async(
        link=sig("canvas.mul", args=(10,)).set(task_id=callback_id))
    return {"parent": parent.get(timeout=TIMEOUT), "callback": app.AsyncResult(callback_id).get(timeout=TIMEOUT)}


def link_error():
    parent = sig("canvas.fail", kwargs={"message": "bad VIN"}).apply_async(link_error=sig("canvas.record"))
    return {"parent_id": parent.id, "parent": raised(lambda: parent.get(timeout=TIMEOUT))}


def chained():
    started = time.time()
    three = chain(sig("canvas.add", args=(1, 2)), sig("canvas.mul", args=(10,)).set(countdown=2),
                  sig("canvas.add", args=(5,))).apply_async()
    last = three.get(timeout=TIMEOUT)
    waited = time.time() - started
    immutable = (sig("canvas.add", args=(1, 2)) | sig("canvas.add", args=(100, 1)).set(immutable=True)).apply_async()
    failing = (sig("canvas.add", args=(1, 2)) | sig("canvas.fail") | sig("canvas.add", args=(5,))).apply_async()
    return {
        "result": last,
        "parents": [three.parent.get(timeout=TIMEOUT), three.parent.parent.get(timeout=TIMEOUT)],
        "waited": round(waited, 2),
        "immutable": immutable.get(timeout=TIMEOUT),
        "failing": raised(lambda: failing.get(timeout=TIMEOUT)),
    }


def chorded():
    body = chord([sig("canvas.add", args=(i, i)) for i in range(20)])(sig("canvas.collect"))
    return {"result": body.get(timeout=TIMEOUT)}


def chord_failing():
    header = [sig("canvas.add", args=(i, i)) for i in range(5)] + [sig("canvas.fail", kwargs={"message": "bad row"})]
    body = chord(header)(sig("canvas.collect").set(link_error=sig("canvas.record")))
    # body.get() re-raises the failed header task's own error first, as Celery does for any
    # chord (AsyncResult._maybe_reraise_parent_error); the body itself holds the ChordError.
    through_parent = raised(lambda: body.get(timeout=TIMEOUT))
    own = elsewhere().AsyncResult(body.id)
    outcome = raised(lambda: own.get(timeout=TIMEOUT))
    outcome["is_chord_error"] = isinstance(own.result, ChordError)
    outcome["body_id"] = body.id
    outcome["through_parent"] = through_parent
    return outcome


def chord_mixed():
    # Header tasks on both fleets: burrow's canvas.add and a Python worker's canvas.py_add.
    header = [sig("canvas.add" if i % 2 else "canvas.py_add", args=(i, i)) for i in range(10)]
    body = chord(header)(sig("canvas.collect"))
    return {"result": body.get(timeout=TIMEOUT)}


def group_saved():
    saved = group(sig("canvas.add", args=(i, 1)) for i in range(3)).apply_async()
    saved.save()
    # Restored elsewhere, as a later request of the Django app would: a client of its own.
    restored = elsewhere().GroupResult.restore(saved.id)
    return {"same_id": restored.id == saved.id, "result": restored.get(timeout=TIMEOUT)}


def unroutable():
    orphan_id = str(uuid.uuid4())
    parent = sig("canvas.add", args=(1, 1)).apply_async(
        link=sig("python.only_task").set(task_id=orphan_id))
    return {"parent": parent.get(timeout=TIMEOUT), "orphan_id": orphan_id,
            "orphan": raised(lambda: app.AsyncResult(orphan_id).get(timeout=TIMEOUT))}


def crash_chain():
    # Three counted steps; the test kills the worker while the first one's follow-up is pending.
    steps = chain(sig("canvas.step", args=(1, 1), kwargs={"seconds": 3}), sig("canvas.step", args=(10,)),
                  sig("canvas.step", args=(100,)))
    result = steps.apply_async()
    print(json.dumps({"first": result.parent.parent.id, "second": result.parent.id, "third": result.id}), flush=True)
    return {"result": result.get(timeout=120)}


SCENARIOS = {f.__name__: f for f in (link, link_error, chained, chorded, chord_failing, chord_mixed,
                                     group_saved, unroutable, crash_chain)}

if __name__ == "__main__":
    print(json.dumps(SCENARIOS[sys.argv[1]]()), flush=True)
