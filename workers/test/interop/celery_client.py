"""Drives burrow workers with the real Celery 5 client, configured from docs/celery_config.py.

Usage: celery_client.py BROKER_URL RESULT_BACKEND CONFIG_PATH FIXTURE_QUEUE
Prints one JSON object with what each call returned or raised.
"""
import json
import sys

from celery import Celery
from kombu import Exchange, Queue

broker, backend, config_path, fixture_queue = sys.argv[1:5]
app = Celery("django_backend", broker=broker, backend=backend)

settings = {}
with open(config_path) as f:
    exec(compile(f.read(), config_path, "exec"), settings)
app.conf.update({k: v for k, v in settings.items() if k.islower() and not k.startswith("_") and not callable(v) and k not in ("kombu",)})

# A user's own tasks go on a queue declared the same way as the catalogue's.
app.conf.task_queues = tuple(app.conf.task_queues) + (
    Queue(fixture_queue, Exchange(fixture_queue, type="direct", durable=True), routing_key=fixture_queue,
          durable=True, queue_arguments={"x-queue-type": "quorum"}),
)
routes = dict(app.conf.task_routes)
routes["fixtures.*"] = {"queue": fixture_queue}
app.conf.task_routes = routes

out = {}
out["positional"] = app.send_task("fixtures.add", args=[2, 3]).get(timeout=10)
out["kwargs"] = app.send_task("fixtures.add", kwargs={"x": 4, "y": 5}).get(timeout=10)
health = app.send_task("tasks.cleanup_tasks.system_health_check_task").get(timeout=20)
out["health"] = {name: check["status"] for name, check in health["checks"].items()}
out["health_results"] = health["results"]
try:
    app.send_task("fixtures.fail", args=["permanent", "bad VIN"], kwargs={"exc_type": "ValueError"}).get(timeout=10)
    out["failure"] = "no exception"
except ValueError as exc:
    out["failure"] = ["ValueError", str(exc)]
try:
    app.send_task("tasks.email_tasks.send_email_task", args=["not-an-address", "Hi", "Body"]).get(timeout=10)
    out["schema"] = "no exception"
except Exception as exc:  # noqa: BLE001 - the type is what we report
    out["schema"] = [type(exc).__name__, str(exc)]
# countdown: the client turns it into an eta header; the worker forwards it into the delay levels.
import time
started = time.time()
out["countdown"] = app.send_task("fixtures.add", args=[2, 2], countdown=2).get(timeout=15)
out["countdown_waited"] = round(time.time() - started, 2)
# expires in the past: revoked, never run
try:
    app.send_task("fixtures.add", args=[3, 3], expires=-1).get(timeout=10)
    out["expired"] = "no exception"
except Exception as exc:  # noqa: BLE001
    out["expired"] = type(exc).__name__
result = app.AsyncResult(app.send_task("fixtures.add", args=[1, 1]).id)
result.get(timeout=10)
out["state"] = result.state
print(json.dumps(out))
