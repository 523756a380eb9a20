import { createServer } from 'node:net';

/**
 * A loopback port free right now, for the rare test that must name a port before anything
 * listens (a spawned `grantry start`). Another process may take it in between: servers started
 * in-process listen on port 0 instead and report the port they got.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
