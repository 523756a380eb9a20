import { DiscoveryService } from '@nestjs/core';
import type { DiscoverableDecorator } from '@nestjs/core/discovery/discovery-service';

export interface OrderOverride {
  enable?: boolean;
  order?: number;
}

export interface OrderedEntry<T, M> {
  instance: T;
  meta: M;
  order: number;
}

/**
 * Collects the providers marked with `decorator`, applies the TOML override of each
 * (`enable`, `order`), drops the disabled ones and sorts by order — a stable sort, so ties
 * keep registration order. Request-scoped providers are refused: a registry holds instances.
 */
export function collectOrdered<T, M extends { order: number }>(
  discovery: DiscoveryService,
  decorator: DiscoverableDecorator<M>,
  overrideFor: (instance: T, meta: M) => OrderOverride | undefined,
): OrderedEntry<T, M>[] {
  return discovery
    .getProviders({ metadataKey: decorator.KEY })
    .map((wrapper) => {
      if (!wrapper.isDependencyTreeStatic()) throw new Error(`${wrapper.name} must not be request-scoped`);
      const instance = wrapper.instance as T;
      const meta = discovery.getMetadataByDecorator(decorator, wrapper) as M;
      const override = overrideFor(instance, meta) ?? {};
      return { instance, meta, order: override.order ?? meta.order, enabled: override.enable ?? true };
    })
    .filter((entry) => entry.enabled)
    .sort((a, b) => a.order - b.order)
    .map(({ instance, meta, order }) => ({ instance, meta, order }));
}
