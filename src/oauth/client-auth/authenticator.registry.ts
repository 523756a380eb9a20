import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { ConfigError } from '../../config/config-loader';
import { EventListenerSettings, GrantryConfig } from '../../config/config.schema';
import { didYouMeanHint } from '../../config/did-you-mean';
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
 * What is wrong with the `[[event_listener]]` entries, given the authenticators they may configure
 * (`known`: built-ins and loaded plugins). An entry configures the first authenticator it matches
 * (by `id`, an alias, or a `name`); a second entry matching the same authenticator is an error, as
 * one of the two would be silently ignored. An unmatched `id` is an error (a typo would leave the
 * authenticator it meant as it was), and so is any unmatched entry that says `enable = false` (it
 * means to switch something off). An entry with only a `name` is a warning: WSO2 files list
 * listeners of theirs that grantry has no use for. Entries that name a drop-in module are the
 * plugin loader's (a disabled one is simply not loaded): `isPluginEntry` says which, so this folder
 * needs nothing of the plugins folder. The properties of an entry are checked by the authenticator
 * it configures, when that one says how (`checkProperties`).
 */
export function listenerProblems(
  listeners: EventListenerSettings[],
  known: AuthenticatorOptions[],
  isPluginEntry: (listener: EventListenerSettings) => boolean,
): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const ids = known.flatMap((options) => [options.id, ...(options.aliases ?? [])]);
  const configuredBy = new Map<AuthenticatorOptions, number>();
  listeners.forEach((listener, i) => {
    // An entry that is not a table, or whose id or name is not text (in a file `grantry config
    // check` reads), is the schema's to report.
    if (!listener || typeof listener !== 'object' || !['string', 'undefined'].includes(typeof listener.id) || !['string', 'undefined'].includes(typeof listener.name)) return;
    const what = listener.id !== undefined ? `id = ${JSON.stringify(listener.id)}` : listener.name !== undefined ? `name = ${JSON.stringify(listener.name)}` : '(no id or name)';
    const meta = known.find((options) => listenerMatches(listener, options));
    if (meta) {
      const first = configuredBy.get(meta);
      if (first !== undefined) errors.push(`event_listener[${i}] ${what} configures the same authenticator as event_listener[${first}] (${meta.id}): make them one entry`);
      else configuredBy.set(meta, i);
      try {
        meta.checkProperties?.(listener.properties ?? {});
      } catch (error) {
        errors.push(`event_listener[${i}] ${what}: ${(error as Error).message}`);
      }
      return;
    }
    if (isPluginEntry(listener)) return;
    const line = `event_listener[${i}] ${what} matches no client authenticator`;
    if (listener.id !== undefined || listener.enable === false || listener.name === undefined) {
      const hint = listener.id !== undefined ? didYouMeanHint(listener.id, ids) : listener.name !== undefined ? didYouMeanHint(listener.name, known.flatMap((options) => options.names ?? [])) : '';
      errors.push(`${line}${hint} (known ids: ${ids.join(', ')}; a drop-in authenticator names its module in name)`);
    } else {
      warnings.push(`${line}: ignored`);
    }
  });
  return { errors, warnings };
}

/** Whether `listener` configures the authenticator described by `meta` (by id or alias, or by one of its names). */
export function listenerMatches(listener: EventListenerSettings, meta: AuthenticatorOptions): boolean {
  if (listener.id !== undefined && (listener.id === meta.id || (meta.aliases ?? []).includes(listener.id))) return true;
  return listener.name !== undefined && (meta.names ?? []).includes(listener.name);
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
    const plugins = this.extensions.authenticators.map(({ authenticator, order, listener }) => ({
      instance: authenticator,
      meta: { order, id: listener.id ?? listener.name!, names: listener.name ? [listener.name] : [] },
    }));
    // Every entry is checked before any authenticator is configured: all the problems at once.
    const known = [...this.discovery.getProviders({ metadataKey: ClientAuth.KEY }).map((wrapper) => this.discovery.getMetadataByDecorator(ClientAuth, wrapper)!), ...plugins.map((plugin) => plugin.meta)];
    const { errors, warnings } = listenerProblems(this.config.event_listener, known, (listener) => this.extensions.pluginListeners.has(listener));
    if (errors.length) throw new ConfigError(`invalid configuration\n${errors.map((line) => `  - ${line}`).join('\n')}`, errors);
    for (const warning of warnings) this.logger.warn(warning);
    const ordered = collectOrdered<ClientAuthenticator, AuthenticatorOptions>(this.discovery, ClientAuth, (_, meta) => this.listenerFor(meta), plugins);
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
