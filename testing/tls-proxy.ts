import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

/** A TLS listener in front of a plain TCP server, as a TLS-terminating load balancer is. */
export interface TlsProxy {
  /** Port on 127.0.0.1. */
  readonly port: number;
  /** Client certificates' subject CNs of the handshakes that completed, in order. */
  readonly handshakes: readonly string[];
  /** Messages of the handshakes that failed (a client refusing our certificate, say). */
  readonly failures: readonly string[];
  close(): Promise<void>;
}

/**
 * Terminates TLS with `certFile`/`keyFile` and pipes every connection to 127.0.0.1:`targetPort`.
 * With `caFile`, clients must present a certificate that CA signed (mutual TLS).
 */
export async function startTlsProxy(options: {
  targetPort: number;
  certFile: string;
  keyFile: string;
  caFile?: string;
}): Promise<TlsProxy> {
  const handshakes: string[] = [];
  const failures: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      cert: fs.readFileSync(options.certFile),
      key: fs.readFileSync(options.keyFile),
      ...(options.caFile
        ? { ca: fs.readFileSync(options.caFile), requestCert: true, rejectUnauthorized: true }
        : {}),
    },
    (secure) => {
      const peer = secure.getPeerCertificate();
      handshakes.push(typeof peer.subject?.CN === 'string' ? peer.subject.CN : '');
      const upstream = net.connect(options.targetPort, '127.0.0.1');
      for (const socket of [secure, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {
          secure.destroy();
          upstream.destroy();
        });
      }
      secure.pipe(upstream).pipe(secure);
    },
  );
  server.on('tlsClientError', (err) => failures.push(err.message));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    handshakes,
    failures,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
