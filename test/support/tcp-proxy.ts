import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { track } from './resources';

/**
 * A TCP proxy between grantry and its database, so a test can cut the database off the way a
 * network failure or a database restart does (every connection reset, new ones refused) and
 * bring it back, without touching the database server other tests share.
 */
export interface TcpProxy {
  /** The port it listens on (the same one after `restore`). */
  port: number;
  /** Destroys every proxied connection (both sides) and stops listening: connects are refused. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  /** Cuts and releases it; safe to call twice. */
  close(): Promise<void>;
}

/** A proxy on 127.0.0.1 (a free port) to `target` host:port. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const accept = (client: Socket) => {
    const upstream = createConnection({ host: target.host, port: target.port });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // A reset on one side ends the other; the error itself is what the test provokes.
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  };
  let server: Server | undefined = createServer(accept);
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, '127.0.0.1', () => resolve((server!.address() as AddressInfo).port));
    });
  const port = await listen(0);
  const cut = async () => {
    const stopping = server;
    server = undefined;
    // resetAndDestroy sends RST, as a crashed peer or a dropped connection does.
    for (const socket of sockets) socket.resetAndDestroy();
    sockets.clear();
    if (stopping?.listening) await new Promise<void>((resolve) => stopping.close(() => resolve()));
  };
  const release = track(`TCP proxy 127.0.0.1:${port}`, cut);
  return {
    port,
    cut,
    restore: async () => {
      if (server) return;
      server = createServer(accept);
      await listen(port);
    },
    close: release,
  };
}
