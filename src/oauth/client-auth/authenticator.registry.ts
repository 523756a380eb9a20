import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { isDeepStrictEqual } from 'node:util';
import { IssuerContext } from '../../common/issuer-context';
import { ConfigError } from '../../config/config-loader';
import { EventListenerSettings, GrantryConfig } from '../../config/config.schema';
import { didYouMeanHint } from '../../config/did-you-mean';
import { mergeEntries, resolveTenantSettings } from '../../config/tenant-settings';
import { AuthenticatorOptions, ClientAuth, ClientAuthenticator } from '../core/extension-points';
import { Extensions } from '../extensions';
import { Candidate, candidatesOf, orderCandidates } from '../ordered-providers';
import { ClientSecretBasicAuthenticator } from './client-secret-basic.authenticator';
import { ClientSecretJwtAuthenticator } from './client-secret-jwt.authenticator';
import { ClientSecretPostAuthenticator } from './client-secret-post.authenticator';
import { NoneAuthenticator } from './none.authenticator';
import { PrivateKeyJwtAuthenticator } from './private-key-jwt.authenticator';
import { SelfSignedTlsClientAuthAuthenticator } from './self-signed-tls-client-auth.authenticator';
import { TlsClientAuthAuthenticator } from './tls-client-auth.authenticator';

/** The built-in authenticators' `[[event_listener]]` ids and WSO2 names, read from their decorators (for `grantry config check`). */
export function builtInAuthenticators(): AuthenticatorOptions[] {
  return [ClientSecretBasicAuthenticator, ClientSecretPostAuthenticator, ClientSecretJwtAuthenticator, PrivateKeyJwtAuthenticator, TlsClientAuthAuthenticator, SelfSignedTlsClientAuthAuthenticator, NoneAuthenticator].map(
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
 * What is wrong with a tenant's `[[event_listener]]` overrides (`[tenant."<domain>"]` or the admin
 * API's), each line starting with `prefix`: the rules of the top level (an entry must configure an
 * authenticator, one entry per authenticator, its properties checked by that authenticator), and
 * more: an entry that matches nothing is an error (a tenant has no WSO2 listeners to carry), and a
 * drop-in authenticator (`plugins`: its options) takes its properties when it loads, so a tenant
 * may switch and order it but not give it properties.
 */
export function tenantListenerProblems(entries: readonly EventListenerSettings[], known: AuthenticatorOptions[], prefix: string, plugins: AuthenticatorOptions[] = []): string[] {
  const { errors, warnings } = listenerProblems([...entries], [...known, ...plugins], () => false);
  const problems = [...errors, ...warnings.map((warning) => warning.replace(/: ignored$/, ': nothing to override'))];
  entries.forEach((entry, i) => {
    const plugin = plugins.find((meta) => listenerMatches(entry, meta));
    if (plugin && entry.properties && Object.keys(entry.properties).length) {
      problems.push(`event_listener[${i}].properties: a drop-in authenticator (${plugin.id}) takes its properties when it loads: not overridable per tenant`);
    }
  });
  return problems.map((line) => `${prefix}${line}`);
}

/** One issuer's enabled authenticators, in its order, configured with its properties. */
interface AuthenticatorView {
  entries: readonly ClientAuthenticator[];
  methods: string[];
  signingAlgs: string[];
}

const VIEW = Symbol('enabled client authenticators');

/**
 * The enabled client authenticators in order, for the issuer serving the request.
 * `[[event_listener]]` entries configure them by `id` or by `name` (WSO2 class names are accepted
 * as names of the built-ins); a tenant's entries (`IssuerSettings.eventListeners`, after the
 * file's) switch, order and configure them for that tenant. An authenticator whose properties a
 * tenant changes serves it as a copy (`Object.create(instance)`) configured with them; the
 * default issuer's view is built at start-up and read without a lookup.
 */
@Injectable()
export class AuthenticatorRegistry implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthenticatorRegistry.name);
  private candidates: Candidate<ClientAuthenticator, AuthenticatorOptions>[] = [];
  private defaultView: AuthenticatorView = { entries: [], methods: [], signingAlgs: [] };
  /** Options of the drop-in authenticators (their properties are fixed when they load). */
  private pluginOptions: AuthenticatorOptions[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly config: GrantryConfig,
    private readonly extensions: Extensions,
    private readonly issuers: IssuerContext,
  ) {}

  onApplicationBootstrap(): void {
    const plugins = this.extensions.authenticators.map(({ authenticator, order, listener }) => ({
      instance: authenticator,
      meta: { order, id: listener.id ?? listener.name!, names: listener.name ? [listener.name] : [] },
    }));
    this.pluginOptions = plugins.map((plugin) => plugin.meta);
    this.candidates = candidatesOf<ClientAuthenticator, AuthenticatorOptions>(this.discovery, ClientAuth, plugins);
    // Every entry is checked before any authenticator is configured: all the problems at once.
    const known = this.candidates.map((candidate) => candidate.meta);
    const { errors, warnings } = listenerProblems(this.config.event_listener, known, (listener) => this.extensions.pluginListeners.has(listener));
    // A plugin never takes a built-in method's name, enabled or not: which one serves would depend on the order.
    const builtIns = this.candidates.filter((candidate) => !this.pluginOptions.includes(candidate.meta));
    for (const plugin of this.candidates.filter((candidate) => this.pluginOptions.includes(candidate.meta))) {
      const builtIn = builtIns.find((candidate) => candidate.instance.method === plugin.instance.method);
      if (builtIn) errors.push(`the client authenticator ${plugin.meta.id} registers ${plugin.instance.method}, the method of the built-in ${builtIn.meta.id}: give the plugin's method another name`);
    }
    for (const [domain, overrides] of Object.entries(this.config.tenant)) {
      errors.push(...this.overrideProblems(overrides.event_listener ?? [], `tenant.${JSON.stringify(domain)}.`));
    }
    if (errors.length) throw new ConfigError(`invalid configuration\n${errors.map((line) => `  - ${line}`).join('\n')}`, errors);
    for (const warning of warnings) this.logger.warn(warning);
    this.defaultView = this.build(this.issuers.default.settings.eventListeners, true);
    // The file's tenants are configured now too, so that none of them fails on its first request.
    for (const domain of Object.keys(this.config.tenant)) {
      try {
        this.build(resolveTenantSettings(this.config, domain).settings.eventListeners, false);
      } catch (error) {
        throw new ConfigError(`[tenant.${JSON.stringify(domain)}] ${(error as Error).message}`);
      }
    }
  }

  /** What is wrong with a tenant's `[[event_listener]]` overrides (see `tenantListenerProblems`), lines starting with `prefix`. */
  overrideProblems(entries: readonly EventListenerSettings[], prefix = ''): string[] {
    const builtIn = this.candidates.map((candidate) => candidate.meta).filter((meta) => !this.pluginOptions.includes(meta));
    return tenantListenerProblems(entries, builtIn, prefix, this.pluginOptions);
  }

  /** What configuring the authenticators with `listeners` (an issuer's, merged) would refuse: contradicting properties. */
  configureProblems(listeners: readonly EventListenerSettings[]): string[] {
    try {
      this.build(listeners, false);
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  }

  get authenticators(): readonly ClientAuthenticator[] {
    return this.view().entries;
  }

  get methods(): string[] {
    return this.view().methods;
  }

  /** The enabled authenticator implementing `method`. */
  find(method: string): ClientAuthenticator | undefined {
    return this.view().entries.find((authenticator) => authenticator.method === method);
  }

  /** JWS algorithms the enabled JWT-based methods accept (for discovery). */
  get signingAlgs(): string[] {
    return this.view().signingAlgs;
  }

  /** The current issuer's view: the default one's without a lookup (every token request reads it), else built once per context. */
  private view(): AuthenticatorView {
    const context = this.issuers.current;
    return context === this.issuers.default ? this.defaultView : context.memoised(VIEW, () => this.build(context.settings.eventListeners, false));
  }

  /**
   * The enabled authenticators under `listeners`. The default issuer's (`own`) configure the
   * instances themselves, once, at start-up; another issuer's use them as they are unless its
   * properties differ from the file's, and then a copy configured with its own.
   */
  private build(listeners: readonly EventListenerSettings[], own: boolean): AuthenticatorView {
    const listenerFor = (meta: AuthenticatorOptions) => mergeEntries(listeners, (listener) => listenerMatches(listener, meta));
    const ordered = orderCandidates(this.candidates, (_, meta) => listenerFor(meta));
    const methods = new Map<string, AuthenticatorOptions>();
    const entries = ordered.map(({ instance, meta }) => {
      const first = methods.get(instance.method);
      if (first) {
        const plugin = [first, meta].find((options) => this.pluginOptions.includes(options));
        const builtIn = [first, meta].find((options) => !this.pluginOptions.includes(options));
        throw new ConfigError(
          plugin && builtIn
            ? `the client authenticator ${plugin.id} registers ${instance.method}, the method of the built-in ${builtIn.id}: give the plugin's method another name`
            : `two client authenticators implement ${instance.method}: ${first.id} and ${meta.id}`,
        );
      }
      methods.set(instance.method, meta);
      const listener = listenerFor(meta);
      const properties = listener?.properties ?? {};
      const fileProperties = mergeEntries(this.issuers.default.settings.eventListeners, (entry) => listenerMatches(entry, meta))?.properties ?? {};
      if (!instance.configure || (!own && isDeepStrictEqual(properties, fileProperties))) return instance;
      const configured: ClientAuthenticator = own ? instance : Object.create(instance);
      try {
        configured.configure!(properties);
      } catch (error) {
        throw new ConfigError(`[[event_listener]] ${listener?.id ?? listener?.name ?? meta.id}: ${(error as Error).message}`);
      }
      return configured;
    });
    return { entries, methods: entries.map((entry) => entry.method), signingAlgs: [...new Set(entries.flatMap((entry) => entry.signingAlgs ?? []))] };
  }
}
