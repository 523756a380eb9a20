import { DiscoveryService } from '@nestjs/core';
import { collectOrdered, OrderOverride } from './ordered-providers';

interface Meta {
  id: string;
  order: number;
}

const Marked = DiscoveryService.createDecorator<Meta>();

/** The two calls collectOrdered makes, over providers given in registration order; no Nest app. */
function fakeDiscovery(providers: { meta: Meta; requestScoped?: boolean }[]): DiscoveryService {
  const wrappers = providers.map(({ meta, requestScoped }) => ({
    name: `${meta.id}Provider`,
    instance: { id: meta.id },
    meta,
    isDependencyTreeStatic: () => !requestScoped,
  }));
  return {
    getProviders: ({ metadataKey }: { metadataKey: string }) => {
      expect(metadataKey).toBe(Marked.KEY);
      return wrappers;
    },
    getMetadataByDecorator: (_: unknown, wrapper: { meta: Meta }) => wrapper.meta,
  } as unknown as DiscoveryService;
}

const builtIns = [
  { meta: { id: 'basic', order: 100 } },
  { meta: { id: 'post', order: 200 } },
  { meta: { id: 'jwt', order: 300 } },
];

const ids = (entries: { meta: Meta }[]) => entries.map((entry) => entry.meta.id);
const noOverrides = () => undefined;
const overrides = (table: Record<string, OrderOverride>) => (_: unknown, meta: Meta) => table[meta.id];

describe('collectOrdered', () => {
  it('orders providers by their declared order and hands back instance, metadata and effective order', () => {
    const entries = collectOrdered<{ id: string }, Meta>(fakeDiscovery([builtIns[2], builtIns[0], builtIns[1]]), Marked, noOverrides);
    expect(entries).toEqual([
      { instance: { id: 'basic' }, meta: { id: 'basic', order: 100 }, order: 100 },
      { instance: { id: 'post' }, meta: { id: 'post', order: 200 }, order: 200 },
      { instance: { id: 'jwt' }, meta: { id: 'jwt', order: 300 }, order: 300 },
    ]);
  });

  it('re-orders by a TOML order and leaves the declared metadata alone', () => {
    const entries = collectOrdered(fakeDiscovery(builtIns), Marked, overrides({ basic: { order: 2000 } }));
    expect(ids(entries)).toEqual(['post', 'jwt', 'basic']);
    expect(entries[2]).toMatchObject({ order: 2000, meta: { order: 100 } });
  });

  it('drops a provider switched off with enable = false, and keeps one switched on explicitly', () => {
    expect(ids(collectOrdered(fakeDiscovery(builtIns), Marked, overrides({ post: { enable: false }, jwt: { enable: true } })))).toEqual(['basic', 'jwt']);
  });

  it('keeps registration order for equal orders (a stable sort)', () => {
    const tied = [{ meta: { id: 'b', order: 5 } }, { meta: { id: 'a', order: 5 } }, { meta: { id: 'c', order: 1 } }];
    expect(ids(collectOrdered(fakeDiscovery(tied), Marked, noOverrides))).toEqual(['c', 'b', 'a']);
  });

  it('puts plugins through the same overrides and order, after built-ins of equal order', () => {
    const plugins = [
      { instance: { id: 'header' }, meta: { id: 'header', order: 200 } },
      { instance: { id: 'first' }, meta: { id: 'first', order: 1000 } },
    ];
    const entries = collectOrdered(fakeDiscovery(builtIns), Marked, overrides({ first: { order: 50 }, jwt: { enable: false } }), plugins);
    expect(ids(entries)).toEqual(['first', 'basic', 'post', 'header']);
  });

  it('leaves out a discovered provider a plugin replaces, but never a plugin', () => {
    const plugins = [{ instance: { id: 'post' }, meta: { id: 'post', order: 150 } }];
    const entries = collectOrdered(fakeDiscovery(builtIns), Marked, noOverrides, plugins, (meta) => meta.id === 'post');
    expect(entries.map((entry) => [entry.meta.id, entry.order])).toEqual([
      ['basic', 100],
      ['post', 150],
      ['jwt', 300],
    ]);
  });

  it('asks for the override of every provider, plugins included, with its instance and metadata', () => {
    const seen: string[] = [];
    const plugins = [{ instance: { id: 'p' }, meta: { id: 'p', order: 1 } }];
    collectOrdered<{ id: string }, Meta>(fakeDiscovery(builtIns), Marked, (instance, meta) => {
      expect(instance.id).toBe(meta.id);
      seen.push(meta.id);
      return undefined;
    }, plugins);
    expect(seen).toEqual(['basic', 'post', 'jwt', 'p']);
  });

  it('refuses a request-scoped provider, naming it', () => {
    const providers = [builtIns[0], { meta: { id: 'scoped', order: 1 }, requestScoped: true }];
    expect(() => collectOrdered(fakeDiscovery(providers), Marked, noOverrides)).toThrow('scopedProvider must not be request-scoped');
  });

  it('returns nothing when nothing is marked or everything is switched off', () => {
    expect(collectOrdered(fakeDiscovery([]), Marked, noOverrides)).toEqual([]);
    expect(collectOrdered(fakeDiscovery(builtIns), Marked, () => ({ enable: false }))).toEqual([]);
  });
});
