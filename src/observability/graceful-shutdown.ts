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
 * signal while stopping changes nothing. Started by npm, the end of the parent process stops it
 * the same way (watchParentUnderNpm). Returns what removes the signal listeners.
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
  const unwatch = watchParentUnderNpm(log, () => stop('SIGTERM'));
  return () => {
    for (const signal of STOP_SIGNALS) process.off(signal, stop);
    unwatch();
  };
}

/** How often a server npm started checks that its parent is still there. */
const PARENT_CHECK_MS = 250;

/**
 * Under `npx grantry start` (or a package script `grantry start` without `exec`) npm runs a shell
 * that runs this process, and npm hands a SIGTERM (`docker stop`, `kill <npx pid>`) to that shell
 * only: the shell dies of it without passing it on, npm exits 143, and this process would be left
 * serving, orphaned, its port held. So when npm started this process (npm_command is set), the
 * parent going away is taken as the SIGTERM that did not arrive. Outside npm nothing is watched:
 * `nohup grantry start &` must outlive its shell.
 */
function watchParentUnderNpm(log: GrantryLog, stop: () => void): () => void {
  if (!process.env.npm_command) return () => undefined;
  const parent = process.ppid;
  const check = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(check);
    log.warn({ npm_command: process.env.npm_command }, 'the process npm ran grantry under has ended without passing on its signal: stopping as on SIGTERM');
    stop();
  }, PARENT_CHECK_MS);
  check.unref();
  return () => clearInterval(check);
}
