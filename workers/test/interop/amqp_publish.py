"""Publishes a burrow task with a plain AMQP client (python3-amqp), no Celery involved.

Usage: amqp_publish.py HOST:PORT QUEUE TASK_NAME KWARGS_JSON -> prints the task id
"""
import json
import sys
import uuid

import amqp

host, queue, task, kwargs = sys.argv[1:5]
task_id = str(uuid.uuid4())
with amqp.Connection(host, userid="guest", password="guest") as connection:
    channel = connection.channel()
    channel.confirm_select()
    message = amqp.Message(
        json.dumps(json.loads(kwargs)),  # a JSON object body is the kwargs
        content_type="application/json",
        content_encoding="utf-8",
        delivery_mode=2,
        correlation_id=task_id,
        application_headers={"task": task, "id": task_id},
    )
    channel.basic_publish(message, exchange=queue, routing_key=queue)
print(task_id)
