import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  afterEach(() => jest.useRealTimers());

  it('forgets entries after their lifetime', () => {
    jest.useFakeTimers({ now: 0 });
    const cache = new TtlCache<string, number>(10, 10);
    cache.set('a', 1);
    jest.setSystemTime(9_999);
    expect(cache.get('a')).toBe(1);
    jest.setSystemTime(10_000);
    expect(cache.get('a')).toBeUndefined();
  });

  it('drops the oldest entry when full', () => {
    const cache = new TtlCache<string, number>(60, 2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, 2, 3]);
  });

  it('caches nothing with a timeout of 0', () => {
    const cache = new TtlCache<string, number>(0, 2);
    cache.set('a', 1);
    expect(cache.get('a')).toBeUndefined();
  });
});
