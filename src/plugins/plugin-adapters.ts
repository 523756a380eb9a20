import type { RegisteredClient } from '../clients/registered-client';
import { OAuthError } from '../common/oauth-error';
import type { AuthenticatedClient, ClientAuthenticator, GrantContext, GrantHandler, GrantResult } from '../oauth/extension-points';
import type { TokenRequest } from '../oauth/token/token-request';
import { PluginFailure, PluginLoadError } from './plugin-errors';

type Instance = Record<string, unknown> & { [method: string]: unknown };

/** Runs plugin code: OAuth errors pass through; anything else, or no answer in time, becomes a PluginFailure. */
async function contained<T>(file: string, timeoutMs: number, work: () => T | Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(work),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new PluginFailure(file, `no answer within ${timeoutMs / 1000} s`)), timeoutMs);
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

  validate(request: TokenRequest): void {
    if (this.validator) containedSync(this.validator.file, () => (this.validator!.instance.validate as (r: TokenRequest) => void)(request));
    if (typeof this.plugin.validate === 'function') containedSync(this.file, () => (this.plugin.validate as (r: TokenRequest) => void)(request));
  }

  async handle(context: GrantContext): Promise<GrantResult> {
    const result = await contained(this.file, this.timeoutMs, () => (this.plugin.handle as (c: GrantContext) => unknown)(context));
    return checkGrantResult(this.file, result);
  }
}

/** Wraps a built-in handler with a validator module (`grant_validator` in its TOML table). */
export function withValidator(handler: GrantHandler, validator: { instance: Instance; file: string }): GrantHandler {
  if (typeof validator.instance.validate !== 'function') {
    throw new PluginLoadError(`${validator.file}: a grant validator needs a validate(request) method`);
  }
  return {
    grantType: handler.grantType,
    validate: (request) => {
      containedSync(validator.file, () => (validator.instance.validate as (r: TokenRequest) => void)(request));
      handler.validate?.(request);
    },
    handle: (context) => handler.handle(context),
  };
}

/** A client authenticator module as a ClientAuthenticator. */
export class PluginClientAuthenticator implements ClientAuthenticator {
  readonly method: string;
  readonly signingAlgs?: readonly string[];

  constructor(private readonly plugin: Instance, private readonly file: string, private readonly timeoutMs: number) {
    if (typeof plugin.method !== 'string' || !plugin.method) throw new PluginLoadError(`${file}: a client authenticator needs a method name`);
    for (const name of ['canAuthenticate', 'authenticate']) {
      if (typeof plugin[name] !== 'function') throw new PluginLoadError(`${file}: a client authenticator needs a ${name}(request) method`);
    }
    this.method = plugin.method;
    if (Array.isArray(plugin.signingAlgs)) this.signingAlgs = plugin.signingAlgs as string[];
  }

  canAuthenticate(request: TokenRequest): boolean {
    return containedSync(this.file, () => (this.plugin.canAuthenticate as (r: TokenRequest) => unknown)(request)) === true;
  }

  async authenticate(request: TokenRequest): Promise<AuthenticatedClient> {
    const result = await contained(this.file, this.timeoutMs, () => (this.plugin.authenticate as (r: TokenRequest) => unknown)(request));
    const client = (result as { client?: RegisteredClient })?.client;
    if (!client || typeof client.clientId !== 'string') throw new PluginFailure(this.file, 'authenticate() must return { client } (from services.clients.find)');
    return { client };
  }
}

function checkGrantResult(file: string, value: unknown): GrantResult {
  const result = value as GrantResult;
  if (!result || typeof result.subject !== 'string' || !result.subject) throw new PluginFailure(file, 'handle() must return { subject, scopes }');
  if (!Array.isArray(result.scopes) || result.scopes.some((scope) => typeof scope !== 'string')) {
    throw new PluginFailure(file, 'handle() must return scopes as an array of strings');
  }
  if (result.audience !== undefined && (!Array.isArray(result.audience) || result.audience.some((aud) => typeof aud !== 'string'))) {
    throw new PluginFailure(file, 'handle() returned an audience that is not an array of strings');
  }
  return result;
}
