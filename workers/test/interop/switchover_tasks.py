"""A Python Celery worker of the seed's kind, for the switch-over test.

It defines some of the seed's task names the way the seed's workers do (plain `shared_task`s
on Celery's default, classic queues) and says in each result that Python ran it, so the test
can tell which side ran a task. Broker and result backend come from SWITCHOVER_BROKER and
SWITCHOVER_BACKEND.

Run: python3 -m celery -A switchover_tasks worker -Q email,cleanup --pool solo -n py@switchover
"""
import os

from celery import Celery

app = Celery(
    "switchover_tasks",
    broker=os.environ["SWITCHOVER_BROKER"],
    backend=os.environ["SWITCHOVER_BACKEND"],
)
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    result_serializer="json",
    result_expires=600,
    # The seed's routing: each family on its own queue, declared by Celery (classic, no arguments).
    task_routes={
        "tasks.email_tasks.*": {"queue": "email"},
        "tasks.cleanup_tasks.*": {"queue": "cleanup"},
    },
    worker_hijack_root_logger=False,
)

RAN_BY = "python-celery"


@app.task(name="tasks.email_tasks.send_email_task")
def send_email_task(to_email, subject, body, html_body=None):
    return {"ran_by": RAN_BY, "to_email": to_email}


@app.task(name="tasks.cleanup_tasks.system_health_check_task")
def system_health_check_task():
    return {"ran_by": RAN_BY}


@app.task(name="tasks.cleanup_tasks.cleanup_temp_files_task")
def cleanup_temp_files_task(*args, **kwargs):
    return {"ran_by": RAN_BY}
