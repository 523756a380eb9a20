import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { connectionOf } from '../common/connection/connection-facts';
import { capLength } from '../common/log-text';
import { JsonLineWriter, numberField, stringField } from './json-line';
import { GRANTRY_LOG, GrantryLog } from './log';
import { MetricsService } from './metrics.service';
import { requestFacts } from './request-facts';

/**
 * One info line per request — method, route pattern (never the URL: a query may carry a token),
 * status, duration, the client's address, and the client (and grant type) when a client endpoint or registration learnt them — and the
 * latency histogram. Runs in Fastify's onResponse hook, after the answer went out.
 */
@Injectable()
export class RequestObserver {
  private readonly lines: JsonLineWriter;

  constructor(@Inject(GRANTRY_LOG) log: GrantryLog, private readonly metrics: MetricsService) {
    this.lines = new JsonLineWriter(log.child({ context: 'http' }));
  }

  /** Whether the hook has anything to do at all (neither metrics nor info lines: it is not installed). */
  get active(): boolean {
    return this.metrics.enabled || this.lines.enabled;
  }

  onResponse(request: FastifyRequest, reply: FastifyReply): void {
    // The pattern Fastify matched ('/api/admin/v1/clients/:clientId'): a closed set; no match is one series.
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const milliseconds = reply.elapsedTime;
    this.metrics.httpRequest(request.method, route, status, milliseconds / 1000);
    if (!this.lines.enabled) return;
    const facts = requestFacts(request);
    // The method as Fastify parsed it (a token of letters) and the route pattern come from closed sets.
    this.lines.info(
      stringField('method', request.method) + stringField('route', route) + numberField('status', status) +
        numberField('duration_ms', Math.round(milliseconds * 100) / 100) +
        // The TCP peer, or a trusted proxy's X-Forwarded-For client (ConnectionPolicy): never what an untrusted peer claims.
        stringField('client_address', connectionOf(request).clientAddress) +
        // Known once authenticated, but a client_id is still as long as whoever registered it chose: capped.
        stringField('client_id', facts?.client_id && capLength(facts.client_id)) + stringField('grant_type', facts?.grant_type && capLength(facts.grant_type)),
      'request',
    );
  }
}
