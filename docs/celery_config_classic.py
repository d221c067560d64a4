# Celery client settings for sending tasks to burrow.
# Generated from the burrow task catalogue by scripts/generate-docs.mjs; do not edit by hand.
# Usage: send_task(name, args=[...], kwargs={...}); AsyncResult(task_id).get() reads the result.
import kombu

# Every catalogue task goes to its queue. Tasks not listed here keep Celery's default queue
# ("celery"), so Python tasks of a mixed fleet still reach their Python workers.
task_routes = {
    'tasks.email_tasks.send_email_task': {'queue': 'email'},
    'tasks.email_tasks.send_bulk_email_task': {'queue': 'email'},
    'tasks.email_tasks.send_notification_to_backend': {'queue': 'email'},
    'tasks.email_tasks.send_daily_digest_task': {'queue': 'email'},
    'tasks.notification_tasks.send_push_notification_task': {'queue': 'notifications'},
    'tasks.notification_tasks.send_sms_task': {'queue': 'notifications'},
    'tasks.notification_tasks.process_notification_queue_task': {'queue': 'notifications'},
    'tasks.data_processing_tasks.process_user_data_task': {'queue': 'data_processing'},
    'tasks.data_processing_tasks.generate_report_task': {'queue': 'data_processing'},
    'tasks.data_processing_tasks.batch_data_import_task': {'queue': 'data_processing'},
    'tasks.data_processing_tasks.update_exchange_rates_task': {'queue': 'data_processing'},
    'tasks.cleanup_tasks.cleanup_temp_files_task': {'queue': 'cleanup'},
    'tasks.cleanup_tasks.cleanup_old_logs_task': {'queue': 'cleanup'},
    'tasks.cleanup_tasks.system_health_check_task': {'queue': 'cleanup'},
    'tasks.cleanup_tasks.daily_maintenance_task': {'queue': 'cleanup'},
}

# Declared as burrow declares them with QUEUE_TYPE=classic, and as Celery itself declares a queue:
# classic, no arguments. For the switch-over from Python workers (docs/switch-from-celery.md); new
# installs use docs/celery_config.py (quorum). A different declaration is refused with 406.
task_queues = (
    kombu.Queue(
        'email',
        kombu.Exchange('email', type='direct', durable=True),
        routing_key='email',
        durable=True,
    ),
    kombu.Queue(
        'notifications',
        kombu.Exchange('notifications', type='direct', durable=True),
        routing_key='notifications',
        durable=True,
    ),
    kombu.Queue(
        'data_processing',
        kombu.Exchange('data_processing', type='direct', durable=True),
        routing_key='data_processing',
        durable=True,
    ),
    kombu.Queue(
        'cleanup',
        kombu.Exchange('cleanup', type='direct', durable=True),
        routing_key='cleanup',
        durable=True,
    ),
)
task_default_queue = 'celery'

task_serializer = 'json'
accept_content = ['json']
result_serializer = 'json'
# result_backend = 'redis://localhost:6379/0'  # the Redis burrow's workers write results to

# Wait for the broker to confirm each publish, as burrow publishers do.
broker_transport_options = {'confirm_publish': True}
