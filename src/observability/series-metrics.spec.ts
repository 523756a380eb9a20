import { Counter, Histogram, Registry } from 'prom-client';
import { LabelledHistogram, TenantLabelledCounter } from './series-metrics';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const OBSERVATIONS: [string, string, string, number][] = [
  ['POST', '/oauth2/token', '2xx', 0.0042],
  ['POST', '/oauth2/token', '2xx', 0.001], // on a bound: counts in that bucket
  ['POST', '/oauth2/token', '4xx', 0.0009],
  ['GET', '/oauth2/jwks', '2xx', 7.5], // above every bound: +Inf only
  ['GET', 'unmatched', '4xx', 0],
  ['POST', '/oauth2/token', '2xx', 0.3],
  ['GET', '/path/"quoted"\\', '2xx', 0.02], // label values are escaped by the registry
];

describe('LabelledHistogram and TenantLabelledCounter', () => {
  it('expose exactly what prom-client’s Histogram and Counter expose for the same observations', async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const histogram = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['method', 'route', 'status_class'], buckets: BUCKETS, registers: [theirs] });
    const counter = new Counter({ name: 'c_total', help: 'c', labelNames: ['grant_type', 'auth_method', 'outcome', 'tenant'], registers: [theirs] });
    const fastHistogram = new LabelledHistogram('h_seconds', 'h', ['method', 'route', 'status_class'], BUCKETS).registerIn(ours);
    const fastCounter = new TenantLabelledCounter('c_total', 'c', 'carbon.super', ['grant_type', 'auth_method', 'outcome']).registerIn(ours);

    for (const [i, [method, route, statusClass, seconds]] of OBSERVATIONS.entries()) {
      histogram.observe({ method, route, status_class: statusClass }, seconds);
      fastHistogram.observe(method, route, statusClass, seconds);
      const tenant = i % 3 ? 'carbon.super' : 'wso2.com';
      counter.inc({ grant_type: method, auth_method: route, outcome: statusClass, tenant });
      fastCounter.inc(tenant, method, route, statusClass);
    }

    // The same lines; the counter's series come grouped by tenant, which Prometheus does not mind.
    const sorted = (text: string) => text.split('\n').sort();
    expect(sorted(await ours.metrics())).toEqual(sorted(await theirs.metrics()));
    expect(await ours.metrics()).toContain('h_seconds_bucket{le="+Inf",method="GET",route="/oauth2/jwks",status_class="2xx"} 1');
    expect(await ours.metrics()).toContain('c_total{grant_type="POST",auth_method="/oauth2/token",outcome="2xx",tenant="carbon.super"} 2');
  });

  it('ignores a value that is not a number, and starts over on reset', async () => {
    const registry = new Registry();
    const histogram = new LabelledHistogram('h_seconds', 'h', ['a', 'b', 'c'], BUCKETS).registerIn(registry);
    histogram.observe('x', 'y', 'z', NaN);
    expect(await registry.metrics()).not.toContain('h_seconds_count');
    histogram.observe('x', 'y', 'z', 0.5);
    expect(await registry.metrics()).toContain('h_seconds_count{a="x",b="y",c="z"} 1');
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('h_seconds_count');
  });
});
