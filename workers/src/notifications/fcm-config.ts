import { readFileSync } from 'node:fs';
import { ConfigError } from '@burrow/shared';

/** The fields of a Google service-account key that firebase-admin's `cert()` needs. */
export interface ServiceAccountKey {
  readonly projectId: string;
  readonly clientEmail: string;
  readonly privateKey: string;
}

/** A complete FCM HTTP v1 setting; absent when no FCM credential is set. */
export interface FcmAccount {
  readonly projectId: string;
  readonly serviceAccount: ServiceAccountKey;
  /** Where the key came from, for logs (never the key itself). */
  readonly source: string;
}

/** The FCM_* variables as convict read them. */
export interface FcmValues {
  readonly credentialsFile: string;
  readonly credentialsJson: string;
  readonly projectId: string;
  readonly serverKey: string;
}

/** What to set instead of the legacy key, in every message that needs it. */
export const FCM_SETUP_HINT =
  'set FCM_CREDENTIALS_FILE (path to a service-account JSON key) or FCM_CREDENTIALS_JSON (its content), and FCM_PROJECT_ID if the key does not name the project';

const leaf = (env: string, doc: string, sensitive = false) => ({
  doc,
  format: String,
  default: '',
  env,
  ...(sensitive ? { sensitive: true } : {}),
});

export const fcmSchema = {
  credentialsFile: leaf(
    'FCM_CREDENTIALS_FILE',
    'Path to a Google service-account JSON key with the Firebase Messaging permission; empty = push disabled',
  ),
  credentialsJson: leaf(
    'FCM_CREDENTIALS_JSON',
    'The service-account JSON key itself, instead of FCM_CREDENTIALS_FILE',
    true,
  ),
  projectId: leaf('FCM_PROJECT_ID', "Firebase project id; empty = the key's project_id"),
  serverKey: leaf(
    'FCM_SERVER_KEY',
    'The legacy FCM server key, which Google no longer accepts: set alone, the worker refuses to start and says what to set; beside a service-account key it is ignored',
    true,
  ),
};

/**
 * Reads the FCM credential. None at all means push is not set up on this worker (it starts;
 * push tasks fail permanently saying what to set). The legacy server key alone, or a key that
 * cannot be read or parsed, fails the start: a worker that cannot push must not look healthy.
 */
export function buildFcmAccount(values: FcmValues): FcmAccount | null {
  const file = values.credentialsFile.trim();
  const json = values.credentialsJson.trim();
  if (file === '' && json === '') {
    if (values.serverKey.trim() !== '')
      throw new ConfigError(
        `FCM_SERVER_KEY is the legacy FCM API key, which Google shut down in 2024 and burrow cannot send with: ${FCM_SETUP_HINT}`,
      );
    return null;
  }
  if (file !== '' && json !== '')
    throw new ConfigError('FCM: give FCM_CREDENTIALS_FILE or FCM_CREDENTIALS_JSON, not both');
  const source = file !== '' ? `FCM_CREDENTIALS_FILE ${file}` : 'FCM_CREDENTIALS_JSON';
  const serviceAccount = parseServiceAccount(file !== '' ? readKeyFile(file) : json, source);
  const projectId = values.projectId.trim() || serviceAccount.projectId;
  if (projectId === '')
    throw new ConfigError(`FCM: ${source} names no project_id: set FCM_PROJECT_ID`);
  return { projectId, serviceAccount, source };
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`FCM_CREDENTIALS_FILE ${path} cannot be read: ${(err as Error).message}`);
  }
}

function parseServiceAccount(text: string, source: string): ServiceAccountKey {
  let key: Record<string, unknown>;
  try {
    key = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`FCM: ${source} is not JSON: ${(err as Error).message}`);
  }
  const field = (name: string) => (typeof key[name] === 'string' ? key[name] : '');
  if (field('type') !== 'service_account')
    throw new ConfigError(
      `FCM: ${source} is not a service-account key (its "type" is ${JSON.stringify(key.type ?? null)}, not "service_account")`,
    );
  const missing = ['client_email', 'private_key'].filter((name) => field(name) === '');
  if (missing.length > 0) throw new ConfigError(`FCM: ${source} lacks ${missing.join(' and ')}`);
  return {
    projectId: field('project_id'),
    clientEmail: field('client_email'),
    privateKey: field('private_key'),
  };
}
