import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import { flushLogSync, GrantryLog } from './log';

/** The signals that stop the server: a service manager's (and `kill`'s) and a terminal's Ctrl-C. */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * How the server stops on SIGTERM/SIGINT, as `npm start` or `node dist/main.js` alike (npm hands
 * the signal to this process): it stops accepting connections, lets the requests in flight finish
 * for up to `graceSeconds` (`[server] shutdown_grace`) and then cuts the connections still open;
 * the application's shutdown hooks run (sweeps stopped, pools and the SQLite writer closed, metrics
 * listener closed); it logs one `grantry stopped` line, flushes the log and exits 0. A second
 * signal while stopping changes nothing. Returns what removes the signal listeners.
 */
export function stopGracefullyOnSignals(app: INestApplication, graceSeconds: number, log: GrantryLog): () => void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    const server = app.getHttpServer() as Server;
    let cut = false;
    // Past the grace, requests still running lose their connections so the stop ends in bounded time.
    const grace = setTimeout(() => {
      cut = true;
      server.closeAllConnections();
    }, graceSeconds * 1000);
    grace.unref();
    // A keep-alive connection whose request finished while stopping is idle now: close it then,
    // rather than at the grace (Node closes the idle ones only once, when the close begins).
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    idle.unref();
    const finish = (error?: unknown) => {
      clearTimeout(grace);
      clearInterval(idle);
      const fields = { signal, shutdown_ms: Date.now() - started, grace_s: graceSeconds, connections_cut: cut };
      if (error) log.error({ ...fields, err: error }, 'grantry stopped with an error');
      else log.info(fields, 'grantry stopped');
      flushLogSync(log);
      process.exit(error ? 1 : 0);
    };
    app.close().then(() => finish(), finish);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, stop);
  return () => {
    for (const signal of STOP_SIGNALS) process.off(signal, stop);
  };
}
