import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM files of a throwaway CA, a server certificate it signed, and a client certificate. */
export interface TestTlsFiles {
  readonly caFile: string;
  /** For 127.0.0.1 and localhost. */
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** A second CA that signed nothing here: a client trusting only it must refuse the server. */
  readonly strangerCaFile: string;
}

/** Makes the files with openssl in `dir` (P-256 keys: quick to generate), valid for a day. */
export async function makeTestTlsFiles(dir: string): Promise<TestTlsFiles> {
  const file = (name: string) => path.join(dir, name);
  const newCa = (name: string) =>
    run('openssl', [
      'req', '-x509', '-new', '-nodes', '-days', '1',
      '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
      '-keyout', file(`${name}.key`), '-out', file(`${name}.pem`), '-subj', `/CN=burrow test ${name}`,
    ]); // prettier-ignore
  const signed = async (name: string, extensions: string) => {
    fs.writeFileSync(file(`${name}.ext`), extensions);
    await run('openssl', [
      'req', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
      '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/CN=burrow ${name}`,
    ]); // prettier-ignore
    await run('openssl', [
      'x509', '-req', '-days', '1', '-in', file(`${name}.csr`),
      '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
      '-out', file(`${name}.pem`), '-extfile', file(`${name}.ext`),
    ]); // prettier-ignore
  };
  await Promise.all([newCa('ca'), newCa('stranger-ca')]);
  await signed(
    'server',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  await signed('client', 'extendedKeyUsage=clientAuth\n');
  return {
    caFile: file('ca.pem'),
    serverCertFile: file('server.pem'),
    serverKeyFile: file('server.key'),
    clientCertFile: file('client.pem'),
    clientKeyFile: file('client.key'),
    strangerCaFile: file('stranger-ca.pem'),
  };
}

/** redis-server arguments for a TLS-only server on `port` with these files. */
export function redisTlsArgs(
  files: TestTlsFiles,
  port: number,
  authClients: 'yes' | 'no' | 'optional' = 'no',
): string[] {
  return [
    '--tls-port', String(port),
    '--tls-cert-file', files.serverCertFile,
    '--tls-key-file', files.serverKeyFile,
    '--tls-ca-cert-file', files.caFile,
    '--tls-auth-clients', authClients,
  ]; // prettier-ignore
}
