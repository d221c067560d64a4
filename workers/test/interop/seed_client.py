"""Sends the seed backend's three calls to burrow with the real Celery 5 client.

The client is configured from docs/celery_config.py as the backend pastes it; the calls are the
seed's own (`send_email`, `send_push_notification`, `process_user_data`), each made once with
positional `args` and once with `kwargs`.

Usage: seed_client.py BROKER_URL RESULT_BACKEND CONFIG_PATH [user_data]
Prints one JSON object: per call, the task id and what `.get()` returned or raised. The
`process_user_data` calls need a backend, so they are made only when `user_data` is given
(and then alone).
"""
import json
import sys

from celery import Celery

broker, backend, config_path = sys.argv[1:4]
only_user_data = sys.argv[4:5] == ["user_data"]
app = Celery("django_backend", broker=broker, backend=backend)

settings = {}
with open(config_path) as f:
    exec(compile(f.read(), config_path, "exec"), settings)
app.conf.update({k: v for k, v in settings.items() if k.islower() and not k.startswith("_") and k != "kombu"})

EMAIL = "tasks.email_tasks.send_email_task"
PUSH = "tasks.notification_tasks.send_push_notification_task"
USER_DATA = "tasks.data_processing_tasks.process_user_data_task"

calls = {} if only_user_data else {
    "email_args": app.send_task(EMAIL, args=["user@example.com", "Welcome!", "Welcome to our service!"]),
    "email_kwargs": app.send_task(
        EMAIL, kwargs={"to_email": "user@example.com", "subject": "Welcome!", "body": "Welcome to our service!"}
    ),
    "push_args": app.send_task(PUSH, args=[["fcm_token_1", "fcm_token_2"], "New Message", "You have a new message"]),
    "push_kwargs": app.send_task(
        PUSH,
        kwargs={"user_tokens": ["fcm_token_1", "fcm_token_2"], "title": "New Message", "body": "You have a new message"},
    ),
}
if only_user_data:
    calls = {
        "user_data_args": app.send_task(USER_DATA, args=[123, "profile_update", {"name": "John Doe"}]),
        "user_data_kwargs": app.send_task(
            USER_DATA, kwargs={"user_id": 123, "data_type": "profile_update", "data": {"name": "John Doe"}}
        ),
    }

out = {}
for name, result in calls.items():
    try:
        out[name] = {"id": result.id, "result": result.get(timeout=20)}
    except Exception as exc:  # noqa: BLE001 - the type is what we report
        out[name] = {"id": result.id, "raised": [type(exc).__name__, str(exc)]}
print(json.dumps(out))
