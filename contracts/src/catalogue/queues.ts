/**
 * The four queues the catalogue's tasks run on. Each name is also the direct exchange and the
 * routing key bound to it, so a Celery client routing by queue name and a plain AMQP publisher
 * reach the same place.
 */
export const QUEUES = ['email', 'notifications', 'data_processing', 'cleanup'] as const;

export type QueueName = (typeof QUEUES)[number];
