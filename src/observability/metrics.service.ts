import { Injectable, Optional } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { REASON_CODES } from '../common/oauth-error';
import { MetricsSettings } from '../config/config.schema';
import { DEFAULT_TENANT } from '../common/request-context';
import { LabelledHistogram, TenantLabelledCounter } from './series-metrics';
import { TENANT_LABEL_CAP } from './tenant-labels';

/** Every label value comes from a closed set: anything else is counted as `other`, so junk requests create no series. */
export const OTHER = 'other';

export type TokenOutcome = 'issued' | 'refused' | 'error';
export type OutboundOutcome = 'ok' | 'refused' | 'timeout' | 'too_large' | 'http_error' | 'invalid' | 'network_error';

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const STATUS_CLASSES: readonly (string | undefined)[] = [undefined, '1xx', '2xx', '3xx', '4xx', '5xx'];
const REASONS: ReadonlySet<string> = new Set(REASON_CODES);

/**
 * grantry's Prometheus metrics, in a registry of this application (not prom-client's global
 * one: several applications in one process — the tests — each count their own).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  /** `[metrics] enable = false`: every count is a no-op. */
  readonly enabled: boolean;

  // Counted on every token request: series looked up without prom-client's per-call label
  // hashing (see series-metrics.ts); exposed the same way. `tenant` from a closed set (TenantLabels).
  private readonly tokenRequests: TenantLabelledCounter;

  constructor(@Optional() settings?: MetricsSettings) {
    this.enabled = settings?.enable ?? true;
    this.tokenRequests = new TenantLabelledCounter(
      'grantry_token_requests_total',
      `Token endpoint requests by grant type, client authentication method, outcome (issued, refused, error) and tenant (the default tenant, the first ${TENANT_LABEL_CAP} others seen, then other)`,
      DEFAULT_TENANT,
      ['grant_type', 'auth_method', 'outcome'],
    ).registerIn(this.registry);
  }

  private readonly tokenFailures = new Counter({
    name: 'grantry_token_failures_total',
    help: 'Refused or failed token requests by reason code (docs/reason-codes.md) and tenant (as grantry_token_requests_total)',
    labelNames: ['reason', 'tenant'] as const,
    registers: [this.registry],
  });

  private readonly httpDuration = new LabelledHistogram(
    'grantry_http_request_duration_seconds',
    'HTTP request duration by method, route pattern and status class',
    ['method', 'route', 'status_class'],
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  ).registerIn(this.registry);

  private readonly outboundFetches = new Counter({
    name: 'grantry_outbound_fetches_total',
    help: 'Outbound fetches (JWKS URIs, sector identifiers) by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly replayRejections = new Counter({
    name: 'grantry_replay_rejections_total',
    help: 'One-time assertion jtis refused by the replay store because they were used already',
    registers: [this.registry],
  });

  private defaultsCollected = false;

  /** Process metrics (CPU, memory, event loop lag, GC): only for a serving process, once. */
  collectProcessMetrics(): void {
    if (this.defaultsCollected || !this.enabled) return;
    this.defaultsCollected = true;
    collectDefaultMetrics({ register: this.registry });
  }

  /** Labels already reduced to their closed sets by the caller (see `TokenObserver`). */
  tokenRequest(tenant: string, grantType: string, authMethod: string, outcome: TokenOutcome): void {
    if (!this.enabled) return;
    this.tokenRequests.inc(tenant, grantType, authMethod, outcome);
  }

  /** `tenant`: a label from TenantLabels, as for `tokenRequest`. */
  tokenFailure(tenant: string, reason: string): void {
    if (!this.enabled) return;
    this.tokenFailures.inc({ reason: REASONS.has(reason) ? reason : OTHER, tenant });
  }

  /** `route` is the route pattern Fastify matched (a closed set), or `unmatched`. */
  httpRequest(method: string, route: string, status: number, seconds: number): void {
    if (!this.enabled) return;
    this.httpDuration.observe(HTTP_METHODS.has(method) ? method : OTHER, route, STATUS_CLASSES[Math.floor(status / 100)] ?? OTHER, seconds);
  }

  outboundFetch(outcome: OutboundOutcome): void {
    if (!this.enabled) return;
    this.outboundFetches.inc({ outcome });
  }

  replayRejected(): void {
    if (!this.enabled) return;
    this.replayRejections.inc();
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
