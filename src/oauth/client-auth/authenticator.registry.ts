import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { ConfigError } from '../../config/config-loader';
import { EventListenerSettings, GrantryConfig } from '../../config/config.schema';
import { AuthenticatorOptions, ClientAuth, ClientAuthenticator } from '../core/extension-points';
import { Extensions } from '../extensions';
import { collectOrdered } from '../ordered-providers';
import { ClientSecretBasicAuthenticator } from './client-secret-basic.authenticator';
import { ClientSecretJwtAuthenticator } from './client-secret-jwt.authenticator';
import { ClientSecretPostAuthenticator } from './client-secret-post.authenticator';
import { NoneAuthenticator } from './none.authenticator';
import { PrivateKeyJwtAuthenticator } from './private-key-jwt.authenticator';

/** The built-in authenticators' `[[event_listener]]` ids and WSO2 names, read from their decorators (for `grantry config check`). */
export function builtInAuthenticators(): AuthenticatorOptions[] {
  return [ClientSecretBasicAuthenticator, ClientSecretPostAuthenticator, ClientSecretJwtAuthenticator, PrivateKeyJwtAuthenticator, NoneAuthenticator].map(
    (type) => Reflect.getMetadata(ClientAuth.KEY, type) as AuthenticatorOptions,
  );
}

/**
 * `[[event_listener]]` entries that configure no authenticator. An `id` that matches nothing is
 * an error (a typo would leave the authenticator it meant as it was), and so is any unmatched
 * entry that says `enable = false` (it means to switch something off). An entry with only a
 * `name` is a warning: WSO2 files list listeners of theirs that grantry has no use for.
 * `matched` also answers for the entries that name a drop-in module: they are the plugin loader's
 * (a disabled one is simply not loaded), which the registry learns through `Extensions`.
 */
export function unmatchedListeners(
  listeners: EventListenerSettings[],
  matched: (listener: EventListenerSettings) => boolean,
  known: AuthenticatorOptions[],
): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const ids = known.map((options) => options.id).join(', ');
  listeners.forEach((listener, i) => {
    if (matched(listener)) return;
    const what = listener.id !== undefined ? `id = ${JSON.stringify(listener.id)}` : listener.name !== undefined ? `name = ${JSON.stringify(listener.name)}` : '(no id or name)';
    const line = `event_listener[${i}] ${what} matches no client authenticator`;
    if (listener.id !== undefined || listener.enable === false || listener.name === undefined) {
      errors.push(`${line} (known ids: ${ids}; a drop-in authenticator names its module in name)`);
    } else {
      warnings.push(`${line}: ignored`);
    }
  });
  return { errors, warnings };
}

/** Whether `listener` configures the authenticator described by `meta` (by id, or by one of its names). */
export function listenerMatches(listener: EventListenerSettings, meta: AuthenticatorOptions): boolean {
  return listener.id === meta.id || (listener.name !== undefined && (meta.names ?? []).includes(listener.name));
}

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
    // Disabled built-ins drop out of `ordered` but were matched all the same (listenerFor above).
    const known = [...this.discovery.getProviders({ metadataKey: ClientAuth.KEY }).map((wrapper) => this.discovery.getMetadataByDecorator(ClientAuth, wrapper)!), ...plugins.map((plugin) => plugin.meta)];
    const { errors, warnings } = unmatchedListeners(this.config.event_listener, (listener) => used.has(listener) || this.extensions.pluginListeners.has(listener), known);
    if (errors.length) throw new ConfigError(`invalid configuration\n${errors.map((line) => `  - ${line}`).join('\n')}`, errors);
    for (const warning of warnings) this.logger.warn(warning);
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
    return this.config.event_listener.find((listener) => listenerMatches(listener, meta));
  }
}
