import type { RegisteredClient } from '../clients/registered-client';
import { OAuthError } from '../common/oauth-error';
import type { AssertionJti, AuthenticatedClient, ClientAuthenticator, GrantContext, GrantHandler, GrantResult } from '../oauth/core/extension-point.types';
import type { ExtensionLoginStep, LoginStepPage } from '../oauth/extensions';
import type { LoginStepContext, LoginStepOutcome } from '../oauth/authorization/interaction/login-step';
import type { ClientRequest } from '../oauth/core/client-request';
import { PluginFailure, PluginLoadError } from './plugin-errors';
import type { PluginTenant } from './plugin-tenant.types';
import { grantPluginRequest, pluginClientView } from './plugin-views';

type Instance = Record<string, unknown> & { [method: string]: unknown };

/**
 * Runs plugin code: OAuth errors pass through; anything else, or no answer in time, becomes a
 * PluginFailure. The plugin gets an AbortSignal that fires at the timeout, so its own I/O can stop.
 */
async function contained<T>(file: string, timeoutMs: number, work: (signal: AbortSignal) => T | Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const abort = new AbortController();
  try {
    return await Promise.race([
      Promise.resolve().then(() => work(abort.signal)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const failure = new PluginFailure(file, `no answer within ${timeoutMs / 1000} s`);
          abort.abort(failure);
          reject(failure);
        }, timeoutMs);
      }),
    ]);
  } catch (error) {
    if (error instanceof OAuthError || error instanceof PluginFailure) throw error;
    throw new PluginFailure(file, `threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

function containedSync<T>(file: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof OAuthError) throw error;
    throw new PluginFailure(file, `threw ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** A grant handler module as a GrantHandler: the grant type is the TOML `name`, the plugin's own must agree. */
export class PluginGrantHandler implements GrantHandler {
  constructor(
    readonly grantType: string,
    private readonly plugin: Instance,
    private readonly file: string,
    private readonly timeoutMs: number,
    /** The tenant of the call, as the plugin sees it. */
    private readonly tenant: () => PluginTenant,
    private readonly validator?: { instance: Instance; file: string },
  ) {
    if (typeof plugin.handle !== 'function') throw new PluginLoadError(`${file}: a grant handler needs a handle(context) method`);
    if (plugin.grantType !== undefined && plugin.grantType !== grantType) {
      throw new PluginLoadError(`${file}: declares grantType ${String(plugin.grantType)} but is configured for ${grantType}`);
    }
    if (validator && typeof validator.instance.validate !== 'function') {
      throw new PluginLoadError(`${validator.file}: a grant validator needs a validate(request) method`);
    }
  }

  /** Validators see what `handle` sees: the request without client credentials. */
  validate(request: ClientRequest): void {
    const visible = grantPluginRequest(request);
    if (this.validator) containedSync(this.validator.file, () => (this.validator!.instance.validate as (r: ClientRequest) => void)(visible));
    if (typeof this.plugin.validate === 'function') containedSync(this.file, () => (this.plugin.validate as (r: ClientRequest) => void)(visible));
  }

  /** The plugin decides on copies: a frozen client without secrets, the request without client credentials; and the tenant it is called for. */
  async handle({ client, request, params, properties }: GrantContext): Promise<GrantResult> {
    const view = pluginClientView(client);
    const visible = grantPluginRequest(request);
    const tenant = this.tenant();
    const result = await contained(this.file, this.timeoutMs, (signal) =>
      (this.plugin.handle as (c: unknown) => unknown)(Object.freeze({ client: view, request: visible, params: visible.params, properties, tenant, signal })),
    );
    return checkGrantResult(this.file, result);
  }
}

/** A validator module (`grant_validator` of a built-in's table) as a parameter check; its errors contained. */
export function containedValidator(validator: { instance: Instance; file: string }): (request: ClientRequest) => void {
  if (typeof validator.instance.validate !== 'function') throw new PluginLoadError(`${validator.file}: a grant validator needs a validate(request) method`);
  return (request) => containedSync(validator.file, () => (validator.instance.validate as (r: ClientRequest) => void)(grantPluginRequest(request)));
}

/** A client authenticator module as a ClientAuthenticator. */
export class PluginClientAuthenticator implements ClientAuthenticator {
  readonly method: string;
  readonly signingAlgs?: readonly string[];

  constructor(
    private readonly plugin: Instance,
    private readonly file: string,
    private readonly timeoutMs: number,
    /** The registered client behind the copy the plugin returns (plugins only ever hold copies). */
    private readonly resolveClient: (clientId: string) => Promise<RegisteredClient | undefined>,
    private readonly tenant: () => PluginTenant,
  ) {
    if (typeof plugin.method !== 'string' || !plugin.method) throw new PluginLoadError(`${file}: a client authenticator needs a method name`);
    for (const name of ['canAuthenticate', 'authenticate']) {
      if (typeof plugin[name] !== 'function') throw new PluginLoadError(`${file}: a client authenticator needs a ${name}(request) method`);
    }
    this.method = plugin.method;
    if (Array.isArray(plugin.signingAlgs)) this.signingAlgs = plugin.signingAlgs as string[];
  }

  canAuthenticate(request: ClientRequest): boolean {
    return containedSync(this.file, () => (this.plugin.canAuthenticate as (r: ClientRequest) => unknown)(request)) === true;
  }

  async authenticate(request: ClientRequest): Promise<AuthenticatedClient> {
    const tenant = this.tenant();
    const result = await contained(this.file, this.timeoutMs, (signal) => (this.plugin.authenticate as (r: ClientRequest, o: unknown) => unknown)(request, Object.freeze({ signal, tenant })));
    const { client: returned, consume } = (result ?? {}) as { client?: { clientId?: unknown }; consume?: unknown };
    if (!returned || typeof returned.clientId !== 'string') throw new PluginFailure(this.file, 'authenticate() must return { client } (from services.clients.find)');
    const client = await this.resolveClient(returned.clientId);
    if (!client) throw new PluginFailure(this.file, `authenticate() returned client ${returned.clientId}, which does not exist`);
    return { client, consume: checkConsume(this.file, consume, 'authenticate()') };
  }
}

/**
 * What a grant plugin returned, as a GrantResult of the allowed members only — a plugin cannot
 * continue a grant record or slip in anything else. `subject: 'x'` is short for `principal: { subject: 'x' }`.
 */
function checkGrantResult(file: string, value: unknown): GrantResult {
  const result = (value ?? {}) as Partial<GrantResult> & { subject?: unknown };
  const principal = result.principal ?? (typeof result.subject === 'string' ? { subject: result.subject } : undefined);
  if (!principal || typeof principal.subject !== 'string' || !principal.subject) throw new PluginFailure(file, 'handle() must return { subject (or principal), scopes }');
  if (principal.identityProvider !== undefined && typeof principal.identityProvider !== 'string') {
    throw new PluginFailure(file, 'handle() returned a principal.identityProvider that is not a string');
  }
  if (!Array.isArray(result.scopes) || result.scopes.some((scope) => typeof scope !== 'string')) {
    throw new PluginFailure(file, 'handle() must return scopes as an array of strings');
  }
  if (result.audience !== undefined && (!Array.isArray(result.audience) || result.audience.some((aud) => typeof aud !== 'string'))) {
    throw new PluginFailure(file, 'handle() returned an audience that is not an array of strings');
  }
  if (result.notAfter !== undefined && !Number.isFinite(result.notAfter)) throw new PluginFailure(file, 'handle() returned a notAfter that is not a number');
  if (result.claims !== undefined && (typeof result.claims !== 'object' || result.claims === null)) throw new PluginFailure(file, 'handle() returned claims that are not an object');
  return {
    principal: { ...principal },
    scopes: [...result.scopes],
    audience: result.audience && [...result.audience],
    claims: result.claims,
    refreshToken: result.refreshToken === true,
    notAfter: result.notAfter,
    consume: checkConsume(file, result.consume, 'handle()'),
    response: result.response,
  };
}

/** `consume: [{ issuer, jti, expiresAt }]`: what the endpoint records as used, last. */
function checkConsume(file: string, value: unknown, method: string): AssertionJti[] | undefined {
  if (value === undefined) return undefined;
  const valid = (item: unknown): item is AssertionJti => {
    const { issuer, jti, expiresAt } = (item ?? {}) as Partial<AssertionJti>;
    return typeof issuer === 'string' && !!issuer && typeof jti === 'string' && !!jti && Number.isFinite(expiresAt);
  };
  if (!Array.isArray(value) || !value.every(valid)) throw new PluginFailure(file, `${method} returned consume that is not an array of { issuer, jti, expiresAt }`);
  return value.map(({ issuer, jti, expiresAt }) => ({ issuer, jti, expiresAt }));
}

/** A login step module as an extension: it describes its page and decides; grantry renders, signs in and consents. */
export class PluginLoginStep implements ExtensionLoginStep {
  constructor(
    readonly id: string,
    readonly order: number,
    readonly properties: Readonly<Record<string, unknown>>,
    private readonly plugin: Instance,
    private readonly file: string,
    private readonly timeoutMs: number,
    private readonly tenant: () => PluginTenant,
  ) {
    if (typeof plugin.page !== 'function' || typeof plugin.submit !== 'function') {
      throw new PluginLoadError(`${file}: a login step needs page(context) and submit(context, form) methods`);
    }
  }

  async page(context: LoginStepContext): Promise<LoginStepPage> {
    const page = (await contained(this.file, this.timeoutMs, (signal) => (this.plugin.page as PluginMethod)(pluginStepContext(context, this.tenant(), signal)))) as Partial<LoginStepPage> | undefined;
    const fields = Array.isArray(page?.fields) ? page.fields : [];
    const valid = (field: LoginStepPage['fields'][number]) =>
      !!field && typeof field.name === 'string' && /^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(field.name) && field.name !== 'csrf' && typeof field.label === 'string'
      && (field.type === undefined || STEP_FIELD_TYPES.has(field.type));
    if (typeof page?.heading !== 'string' || !fields.length || !fields.every(valid)) {
      throw new PluginFailure(this.file, 'page() must return { heading, fields: [{ name, label, type? }] } (names of letters, digits, - and _; not csrf; types text, password, number, email, tel)');
    }
    return {
      heading: page.heading,
      intro: typeof page.intro === 'string' ? page.intro : undefined,
      submitLabel: typeof page.submitLabel === 'string' ? page.submitLabel : undefined,
      fields: fields.map(({ name, label, type, autocomplete, inputmode }) => ({ name, label, type, autocomplete: typeof autocomplete === 'string' ? autocomplete : undefined, inputmode: typeof inputmode === 'string' ? inputmode : undefined })),
    };
  }

  async submit(context: LoginStepContext, form: Readonly<Record<string, string>>): Promise<LoginStepOutcome> {
    // The step sees the fields its page declares, nothing else: never the CSRF token or another step's values.
    const declared = new Set((await this.page(context)).fields.map((field) => field.name));
    const fields = Object.fromEntries(Object.entries(form).filter(([name]) => declared.has(name)));
    const outcome = (await contained(this.file, this.timeoutMs, (signal) => (this.plugin.submit as PluginMethod)(pluginStepContext(context, this.tenant(), signal), Object.freeze({ ...fields })))) as Partial<LoginStepOutcome> & { userId?: unknown; amr?: unknown; error?: unknown; acr?: unknown } | undefined;
    if (outcome?.ok === true) {
      if (typeof outcome.userId !== 'string' || !outcome.userId) throw new PluginFailure(this.file, 'submit() returned ok without a userId');
      const amr = Array.isArray(outcome.amr) && outcome.amr.every((value) => typeof value === 'string') ? (outcome.amr as string[]) : [];
      return { ok: true, userId: outcome.userId, amr, ...(typeof outcome.acr === 'string' ? { acr: outcome.acr } : {}) };
    }
    if (outcome?.ok === false) return { ok: false, error: typeof outcome.error === 'string' ? outcome.error.slice(0, 300) : 'That did not work. Try again.' };
    throw new PluginFailure(this.file, 'submit() must return { ok: true, userId, amr } or { ok: false, error }');
  }
}

type PluginMethod = (...args: unknown[]) => unknown;
const STEP_FIELD_TYPES = new Set(['text', 'password', 'number', 'email', 'tel']);

/** What a login step module sees: a frozen, secret-free copy of the client and the request. */
function pluginStepContext(context: LoginStepContext, tenant: PluginTenant, signal: AbortSignal) {
  const { request } = context;
  return Object.freeze({
    tenant,
    client: pluginClientView(context.client),
    request: Object.freeze({ clientId: request.clientId, scopes: Object.freeze([...request.scopes]), loginHint: request.loginHint, uiLocales: Object.freeze([...request.uiLocales]) }),
    userId: context.userId,
    properties: context.properties,
    signal,
  });
}
