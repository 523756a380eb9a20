import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MetricsSettings } from '../config/config.schema';
import { GRANTRY_LOG, GrantryLog } from './log';
import { MetricsService } from './metrics.service';

/**
 * `[metrics] port`: GET /metrics on a listener of its own (same host as the server), so the
 * scrape port can stay inside the cluster while the main port faces clients. Closed on shutdown.
 */
@Injectable()
export class MetricsListener implements OnApplicationShutdown {
  private server?: Server;
  /** The separate listener's address, once started. */
  url?: string;

  constructor(
    private readonly settings: MetricsSettings,
    private readonly metrics: MetricsService,
    @Inject(GRANTRY_LOG) private readonly log: GrantryLog,
  ) {}

  /** Whether /metrics is served on the main port instead. */
  get onMainPort(): boolean {
    return this.settings.enable && this.settings.port === 0;
  }

  /** Starts the separate listener when one is configured; its URL, or undefined. */
  async start(host: string): Promise<string | undefined> {
    if (!this.settings.enable || this.settings.port === 0 || this.server) return undefined;
    const server = createServer((request, response) => {
      const path = (request.url ?? '').split('?')[0];
      if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      this.metrics.exposition().then(
        ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(request.method === 'HEAD' ? undefined : body),
        (error: Error) => {
          this.log.error({ context: 'metrics', err: error }, 'collecting metrics failed');
          response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.settings.port, host, () => resolve());
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    this.url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/metrics`;
    return this.url;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
