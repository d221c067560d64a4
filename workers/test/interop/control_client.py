"""Drives burrow workers' remote control, revocation and events with the real Celery 5 client.

Usage: control_client.py BROKER_URL RESULT_BACKEND FIXTURE_QUEUE ACTION [ARG]
Actions:
  revoke_countdown       send fixtures.add with a countdown, revoke it, report what .get() raised
  revoke_id ID           app.control.revoke(ID) (no task sent)
  revoke_terminate       start fixtures.sleep, revoke it with terminate=True while it runs
  send_with_id ID        send fixtures.add with that id, report what .get() raised or returned
  events [N]             enable events, send one task that succeeds and one that fails, report
                         the events an app.events.Receiver saw (waiting for heartbeats of N nodes)
Prints one JSON object.
"""
import json
import sys
import threading
import time

from celery import Celery
from kombu import Exchange, Queue

broker, backend, fixture_queue, action = sys.argv[1:5]
arg = sys.argv[5] if len(sys.argv) > 5 else None
app = Celery("control_client", broker=broker, backend=backend)
app.conf.task_queues = (
    Queue(fixture_queue, Exchange(fixture_queue, type="direct", durable=True), routing_key=fixture_queue,
          durable=True, queue_arguments={"x-queue-type": "quorum"}),
)
app.conf.task_routes = {"fixtures.*": {"queue": fixture_queue}}
app.conf.task_serializer = "json"
app.conf.accept_content = ["json"]


def outcome(result, timeout):
    try:
        return {"id": result.id, "result": result.get(timeout=timeout), "state": result.state}
    except Exception as exc:  # noqa: BLE001 - the type is what we report
        return {"id": result.id, "raised": type(exc).__name__, "state": result.state}


out = {}
if action == "revoke_countdown":
    result = app.send_task("fixtures.add", args=[20, 22], countdown=3)
    app.control.revoke(result.id)
    out = outcome(result, 20)
elif action == "revoke_terminate":
    result = app.send_task("fixtures.sleep", args=[30])
    deadline = time.time() + 10
    while time.time() < deadline:
        replies = app.control.inspect(timeout=0.5).active() or {}
        if any(t["id"] == result.id for tasks in replies.values() for t in tasks):
            break
        time.sleep(0.1)
    started = time.time()
    app.control.revoke(result.id, terminate=True, signal="SIGTERM")
    out = outcome(result, 10)
    out["waited"] = round(time.time() - started, 2)
elif action == "revoke_id":
    app.control.revoke(arg)
    out = {"revoked": arg}
elif action == "send_with_id":
    out = outcome(app.send_task("fixtures.add", args=[1, 2], task_id=arg), 15)
elif action == "events":
    seen = []
    ready = threading.Event()
    stop = threading.Event()

    def capture():
        with app.connection() as connection:
            def on_event(event):
                seen.append(event)

            receiver = app.events.Receiver(connection, handlers={"*": on_event})
            ready.set()
            while not stop.is_set():
                try:
                    for _ in receiver.itercapture(limit=None, timeout=0.5, wakeup=False):
                        if stop.is_set():
                            break
                except Exception:  # noqa: BLE001 - socket.timeout ends one slice
                    pass

    thread = threading.Thread(target=capture, daemon=True)
    thread.start()
    ready.wait(10)
    time.sleep(0.5)
    app.control.enable_events()
    time.sleep(0.5)
    ok = outcome(app.send_task("fixtures.add", args=[2, 3]), 15)
    failed = outcome(app.send_task("fixtures.fail", args=["permanent", "bad VIN"],
                                   kwargs={"exc_type": "ValueError"}), 15)
    deadline = time.time() + 10
    def kinds(uuid):
        return [e["type"] for e in seen if e.get("uuid") == uuid]
    while time.time() < deadline:
        hosts = {e["hostname"] for e in seen if e["type"] == "worker-heartbeat"}
        if "task-succeeded" in kinds(ok["id"]) and "task-failed" in kinds(failed["id"]) and \
                len(hosts) >= int(arg or 1):
            break
        time.sleep(0.2)
    stop.set()
    failed_events = [e for e in seen if e.get("uuid") == failed["id"] and e["type"] == "task-failed"]
    succeeded = [e for e in seen if e.get("uuid") == ok["id"] and e["type"] == "task-succeeded"]
    heartbeats = [e for e in seen if e["type"] == "worker-heartbeat"]
    out = {
        "ok": ok,
        "failed": failed,
        "ok_events": kinds(ok["id"]),
        "failed_events": kinds(failed["id"]),
        "succeeded": succeeded[:1],
        "failed_event": failed_events[:1],
        "heartbeat": heartbeats[:1],
        "heartbeat_hosts": sorted({e["hostname"] for e in heartbeats}),
    }
else:
    raise SystemExit(f"unknown action {action}")
print(json.dumps(out, default=str))
