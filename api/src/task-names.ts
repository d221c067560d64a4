import { CATALOGUE, type TaskContract } from '@burrow/contracts';

/**
 * The short names HTTP callers may use instead of a catalogue name, one per catalogue task:
 * `POST /api/tasks/email/` is the seed's own call. The path segment is also the OpenAPI path.
 */
export const TASK_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  email: 'tasks.email_tasks.send_email_task',
  'bulk-email': 'tasks.email_tasks.send_bulk_email_task',
  'backend-notification': 'tasks.email_tasks.send_notification_to_backend',
  'daily-digest': 'tasks.email_tasks.send_daily_digest_task',
  push: 'tasks.notification_tasks.send_push_notification_task',
  sms: 'tasks.notification_tasks.send_sms_task',
  'notification-queue': 'tasks.notification_tasks.process_notification_queue_task',
  'user-data': 'tasks.data_processing_tasks.process_user_data_task',
  report: 'tasks.data_processing_tasks.generate_report_task',
  import: 'tasks.data_processing_tasks.batch_data_import_task',
  'exchange-rates': 'tasks.data_processing_tasks.update_exchange_rates_task',
  'cleanup-temp-files': 'tasks.cleanup_tasks.cleanup_temp_files_task',
  'cleanup-logs': 'tasks.cleanup_tasks.cleanup_old_logs_task',
  'health-check': 'tasks.cleanup_tasks.system_health_check_task',
  'daily-maintenance': 'tasks.cleanup_tasks.daily_maintenance_task',
});

/** Resolves catalogue names and aliases to contracts; built once from a catalogue. */
export class TaskNames {
  private readonly byName: ReadonlyMap<string, TaskContract>;
  private readonly nameOf: ReadonlyMap<string, string>;
  private readonly aliasOf: ReadonlyMap<string, string>;

  constructor(
    readonly catalogue: readonly TaskContract[] = CATALOGUE,
    aliases: Readonly<Record<string, string>> = TASK_ALIASES,
  ) {
    this.byName = new Map(catalogue.map((c) => [c.name, c]));
    // Maps, not the record: a path segment such as "constructor" must not find Object's own keys.
    this.nameOf = new Map(Object.entries(aliases));
    this.aliasOf = new Map(Object.entries(aliases).map(([alias, name]) => [name, alias]));
    for (const [alias, name] of this.nameOf)
      if (!this.byName.has(name)) throw new Error(`alias ${alias} names unknown task ${name}`);
  }

  /** The contract a path segment names (alias or full name), or undefined. */
  resolve(nameOrAlias: string): TaskContract | undefined {
    return this.byName.get(this.nameOf.get(nameOrAlias) ?? nameOrAlias);
  }

  /** The alias of a task name, or the name itself when it has none. */
  shortName(name: string): string {
    return this.aliasOf.get(name) ?? name;
  }
}
