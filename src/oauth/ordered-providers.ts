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

export interface Candidate<T, M> {
  instance: T;
  meta: M;
}

/**
 * Collects the providers marked with `decorator`, applies the TOML override of each
 * (`enable`, `order`; without one, a provider is on unless it says `enabledByDefault: false`), drops the disabled ones and sorts by order — a stable sort, so ties
 * keep registration order. Drop-in plugins join the same path after the discovered providers;
 * a discovered provider a plugin replaces is left out. Request-scoped providers are refused.
 */
export function collectOrdered<T, M extends { order: number; enabledByDefault?: boolean }>(
  discovery: DiscoveryService,
  decorator: DiscoverableDecorator<M>,
  overrideFor: (instance: T, meta: M) => OrderOverride | undefined,
  plugins: { instance: T; meta: M }[] = [],
  replaced: (meta: M) => boolean = () => false,
): OrderedEntry<T, M>[] {
  return orderCandidates(candidatesOf(discovery, decorator, plugins, replaced), overrideFor);
}

/**
 * Every provider that may serve, enabled or not, in registration order: built-ins first, then
 * plugins (one path for overrides, order and, in the callers, duplicates). Kept by the registries
 * so that each issuer orders them with its own overrides (`orderCandidates`).
 */
export function candidatesOf<T, M>(
  discovery: DiscoveryService,
  decorator: DiscoverableDecorator<M>,
  plugins: Candidate<T, M>[] = [],
  replaced: (meta: M) => boolean = () => false,
): Candidate<T, M>[] {
  const discovered = discovery
    .getProviders({ metadataKey: decorator.KEY })
    .map((wrapper) => {
      if (!wrapper.isDependencyTreeStatic()) throw new Error(`${wrapper.name} must not be request-scoped`);
      return { instance: wrapper.instance as T, meta: discovery.getMetadataByDecorator(decorator, wrapper) as M };
    })
    .filter(({ meta }) => !replaced(meta));
  return [...discovered, ...plugins];
}

/** The enabled candidates by order (stable: ties keep registration order), with the override of each applied. */
export function orderCandidates<T, M extends { order: number; enabledByDefault?: boolean }>(
  candidates: readonly Candidate<T, M>[],
  overrideFor: (instance: T, meta: M) => OrderOverride | undefined,
): OrderedEntry<T, M>[] {
  return candidates
    .map(({ instance, meta }) => {
      const override = overrideFor(instance, meta) ?? {};
      return { instance, meta, order: override.order ?? meta.order, enabled: override.enable ?? meta.enabledByDefault ?? true };
    })
    .filter((entry) => entry.enabled)
    .sort((a, b) => a.order - b.order)
    .map(({ instance, meta, order }) => ({ instance, meta, order }));
}
