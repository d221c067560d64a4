import { ConfigError, list } from '@burrow/shared';

/** Which provider variables are set; presence only, never their values. */
export interface ProviderPresence {
  /** Variable name → whether it is set (non-empty). */
  readonly set: Readonly<Record<string, boolean>>;
}

/** What the health check reads beyond the backend paths. */
export interface HealthConfig {
  /**
   * The email family's SMTP server, probed with a TCP connect and its greeting; null when
   * HEALTH_CHECK_SMTP is off. The port is kept as given: a value that is not a port is the
   * email workers' start error, and only a `down` here.
   */
  readonly smtp: { readonly host: string; readonly port: string; readonly secure: boolean } | null;
  /** FCM_* and TWILIO_* presence. */
  readonly providers: ProviderPresence;
  /** HEALTH_DISK_DIRS, as given (relative = to the worker's cwd). */
  readonly diskDirs: readonly string[];
  /** HEALTH_MIN_FREE_DISK_MB: less free space is `low`; 0 = no floor. */
  readonly minFreeDiskMb: number;
  /** HEALTH_MIN_FREE_DISK_PERCENT: less free space (of the filesystem) is `low`; 0 = none. */
  readonly minFreeDiskPercent: number;
}

/**
 * Variables of other families the health check reads to report on them. They stay declared
 * (and validated) by their own family; here every one is a plain string read for presence or
 * probing, so a bad value never stops a cleanup worker. The configuration table lists them
 * again under this family, marked as read for the health check.
 */
const ECHOED = {
  smtpHost: [
    'SMTP_HOST',
    'localhost',
    'SMTP server host (the email setting), probed by the health check',
  ],
  smtpPort: [
    'SMTP_PORT',
    '1025',
    'SMTP server port (the email setting), probed by the health check',
  ],
  smtpSecure: [
    'SMTP_SECURE',
    'false',
    'Implicit TLS on the SMTP port (the email setting): the health check probes with TLS',
  ],
} as const;

/** Provider variables whose presence the health check reports (notifications settings). */
export const PROVIDER_VARIABLES = [
  ['FCM_CREDENTIALS_FILE', false],
  ['FCM_CREDENTIALS_JSON', true],
  ['FCM_PROJECT_ID', false],
  ['TWILIO_ACCOUNT_SID', false],
  ['TWILIO_AUTH_TOKEN', true],
  ['TWILIO_API_KEY', false],
  ['TWILIO_API_SECRET', true],
  ['TWILIO_FROM', false],
  ['TWILIO_MESSAGING_SERVICE_SID', false],
] as const;

const leaf = (env: string, def: string, doc: string, sensitive = false) => ({
  doc,
  format: String,
  default: def,
  env,
  ...(sensitive ? { sensitive: true } : {}),
});

export const healthSchema = {
  checkSmtp: {
    doc: 'Probe the SMTP server (TCP connect and greeting) in the health check',
    format: Boolean,
    default: true,
    env: 'HEALTH_CHECK_SMTP',
  },
  ...Object.fromEntries(
    Object.entries(ECHOED).map(([key, [env, def, doc]]) => [key, leaf(env, def, doc)]),
  ),
  providers: Object.fromEntries(
    PROVIDER_VARIABLES.map(([env, sensitive]) => [
      env,
      leaf(
        env,
        '',
        `${env} (a notifications setting): the health check reports only whether it is set`,
        sensitive,
      ),
    ]),
  ),
  diskDirs: leaf(
    'HEALTH_DISK_DIRS',
    'reports,imports,logs',
    "Comma-separated folders whose filesystem's free space the health check reports (relative = to the worker's cwd; a missing folder is measured at its nearest existing parent)",
  ),
  minFreeDiskMb: {
    doc: 'Free space below this many MB makes a disk check down; 0 = no floor',
    format: 'nat',
    default: 500,
    env: 'HEALTH_MIN_FREE_DISK_MB',
  },
  minFreeDiskPercent: {
    doc: 'Free space below this percentage of the filesystem makes a disk check down; 0 = no floor',
    format: 'nat',
    default: 5,
    env: 'HEALTH_MIN_FREE_DISK_PERCENT',
  },
} as const;

export function buildHealthConfig(values: Record<string, unknown>): HealthConfig {
  const providers = (values.providers ?? {}) as Record<string, unknown>;
  const percent = Number(values.minFreeDiskPercent);
  if (percent > 100)
    throw new ConfigError(`HEALTH_MIN_FREE_DISK_PERCENT: must be 0 to 100, got ${percent}`);
  return {
    smtp: values.checkSmtp
      ? {
          host: String(values.smtpHost),
          port: String(values.smtpPort),
          secure: /^(true|1|yes)$/i.test(String(values.smtpSecure)),
        }
      : null,
    providers: {
      set: Object.fromEntries(
        PROVIDER_VARIABLES.map(([env]) => [env, String(providers[env] ?? '').trim() !== '']),
      ),
    },
    diskDirs: list(String(values.diskDirs)),
    minFreeDiskMb: Number(values.minFreeDiskMb),
    minFreeDiskPercent: percent,
  };
}
