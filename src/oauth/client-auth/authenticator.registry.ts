import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { ConfigError } from '../../config/config-loader';
import { EventListenerSettings, GrantryConfig } from '../../config/config.schema';
import { AuthenticatorOptions, ClientAuth, ClientAuthenticator } from '../extension-points';
import { Extensions } from '../extensions';
import { collectOrdered } from '../ordered-providers';

/**
 * The enabled client authenticators in order. `[[event_listener]]` entries configure them
 * by `id` or by `name` (WSO2 class names are accepted as names of the built-ins).
 */
@Injectable()
export class AuthenticatorRegistry implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthenticatorRegistry.name);
  private entries: ClientAuthenticator[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly config: GrantryConfig,
    private readonly extensions: Extensions,
  ) {}

  onApplicationBootstrap(): void {
    const used = new Set<EventListenerSettings>();
    const plugins = this.extensions.authenticators.map(({ authenticator, order, listener }) => ({
      instance: authenticator,
      meta: { order, id: listener.id ?? listener.name!, names: listener.name ? [listener.name] : [] },
    }));
    const ordered = collectOrdered<ClientAuthenticator, AuthenticatorOptions>(
      this.discovery,
      ClientAuth,
      (authenticator, meta) => {
        const listener = this.listenerFor(meta);
        if (listener) used.add(listener);
        return listener;
      },
      plugins,
    );
    const methods = new Set<string>();
    for (const { instance, meta } of ordered) {
      if (methods.has(instance.method)) throw new ConfigError(`two client authenticators implement ${instance.method}`);
      methods.add(instance.method);
      const listener = this.listenerFor(meta);
      const properties = listener?.properties ?? {};
      try {
        instance.configure?.(properties);
      } catch (error) {
        throw new ConfigError(`[[event_listener]] ${listener?.id ?? listener?.name ?? meta.id}: ${(error as Error).message}`);
      }
    }
    this.entries = ordered.map((entry) => entry.instance);
    for (const listener of this.config.event_listener) {
      if (!used.has(listener)) {
        this.logger.warn(`[[event_listener]] ${listener.id ?? listener.name ?? '(unnamed)'} matches no client authenticator: ignored`);
      }
    }
  }

  get authenticators(): readonly ClientAuthenticator[] {
    return this.entries;
  }

  get methods(): string[] {
    return this.entries.map((authenticator) => authenticator.method);
  }

  /** The enabled authenticator implementing `method`. */
  find(method: string): ClientAuthenticator | undefined {
    return this.entries.find((authenticator) => authenticator.method === method);
  }

  /** JWS algorithms the enabled JWT-based methods accept (for discovery). */
  get signingAlgs(): string[] {
    return [...new Set(this.entries.flatMap((authenticator) => authenticator.signingAlgs ?? []))];
  }

  private listenerFor(meta: AuthenticatorOptions): EventListenerSettings | undefined {
    return this.config.event_listener.find(
      (listener) => listener.id === meta.id || (listener.name !== undefined && (meta.names ?? []).includes(listener.name)),
    );
  }
}
