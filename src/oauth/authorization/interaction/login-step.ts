import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { RegisteredClient } from '../../../clients/registered-client';
import { ConfigError } from '../../../config/config-loader';
import { GrantryConfig } from '../../../config/config.schema';
import type { ValidatedAuthorizationRequest } from '../request/authorization-request';
import { Extensions, type ExtensionLoginStep } from '../../extensions';
import { collectOrdered } from '../../ordered-providers';
import { PageRenderer } from '../pages';

/** What a login step sees: the request being authorized and who the earlier steps identified. */
export interface LoginStepContext {
  client: RegisteredClient;
  request: ValidatedAuthorizationRequest;
  /** The user the earlier steps identified (undefined for the first step). */
  userId?: string;
  /** Where the step's form posts, and the CSRF token it must carry (field `csrf`). */
  action: string;
  csrf: string;
  /** `properties` of the step's `[[login.authenticator]]` table. */
  properties: Readonly<Record<string, unknown>>;
  /** Whether this is the last enabled step (its success signs the user in). */
  last: boolean;
}

export type LoginStepOutcome =
  | { ok: true; userId: string; amr: string[]; acr?: string }
  /** Shown on the step's page again; say nothing an attacker could use (which of username or password was wrong). */
  | { ok: false; error: string };

/**
 * One step of signing a user in at the authorization endpoint — the password, a second factor,
 * a federated login. Steps run in `order`; each renders its page and handles the page's form.
 * The user is signed in (a session starts) when the last enabled step succeeds; a later step
 * must return the `userId` the earlier ones identified.
 */
export interface LoginStep {
  readonly id: string;
  /** Which page template `render` uses, for its security headers (default: the generic `login-step`). */
  readonly page?: 'login' | 'login-step';
  /** The acr values (OIDC Core §2) the step's success may return, for discovery's `acr_values_supported`. */
  readonly acrValues?: readonly string[];
  /** The step's page; after a failed `submit`, with its error and what the user typed (to fill in again, never a secret). */
  render(context: LoginStepContext, error?: string, submitted?: Readonly<Record<string, string>>): string | Promise<string>;
  submit(context: LoginStepContext, form: Readonly<Record<string, string>>): Promise<LoginStepOutcome>;
}

export interface LoginStepOptions {
  /** `[[login.authenticator]] id` that configures it. */
  id: string;
  order: number;
}

/** Marks a provider as a login step. */
export const LoginAuthenticator = DiscoveryService.createDecorator<LoginStepOptions>();

interface RegisteredStep {
  step: LoginStep;
  properties: Readonly<Record<string, unknown>>;
}

/** The enabled login steps in order, with `[[login.authenticator]]` overrides (`enable`, `order`, `properties`). */
@Injectable()
export class LoginSteps implements OnApplicationBootstrap {
  private entries: RegisteredStep[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly config: GrantryConfig,
    private readonly extensions: Extensions,
    private readonly pages: PageRenderer,
  ) {}

  onApplicationBootstrap(): void {
    const tables = this.config.login.authenticator;
    const plugins = this.extensions.loginSteps.map((extension) => ({ instance: this.rendered(extension), meta: { id: extension.id, order: extension.order } }));
    const builtIn = this.discovery.getProviders({ metadataKey: LoginAuthenticator.KEY }).map((wrapper) => this.discovery.getMetadataByDecorator(LoginAuthenticator, wrapper)!.id);
    const known = new Set([...builtIn, ...plugins.map(({ meta }) => meta.id)]);
    const unknown = tables.filter((table) => !known.has(table.id));
    if (unknown.length) throw new ConfigError(`[[login.authenticator]] id = "${unknown[0].id}" matches no login step (known: ${[...known].join(', ')}; a drop-in step names its module)`);
    const ordered = collectOrdered<LoginStep, LoginStepOptions>(this.discovery, LoginAuthenticator, (_, meta) => tables.find((table) => table.id === meta.id), plugins);
    if (!ordered.length) throw new ConfigError('[[login.authenticator]]: every login step is disabled, so nobody could sign in');
    this.entries = ordered.map(({ instance, meta }) => ({ step: instance, properties: tables.find((table) => table.id === meta.id)?.properties ?? {} }));
  }

  /** A drop-in step describes its page; grantry renders it (the same look, CSRF field and CSP as its own pages). */
  private rendered(extension: ExtensionLoginStep): LoginStep {
    return {
      id: extension.id,
      render: async (context: LoginStepContext, error?: string) => {
        const page = await extension.page(context);
        return this.pages.loginStep({ ...page, action: context.action, csrf: context.csrf, clientName: context.client.name, error }, { lang: context.request.uiLocales.join(' ') });
      },
      submit: (context, form) => extension.submit(context, form),
    };
  }

  get count(): number {
    return this.entries.length;
  }

  /** The acr values the enabled steps declare they may return (a drop-in step declares none). */
  get acrValues(): string[] {
    return [...new Set(this.entries.flatMap(({ step }) => step.acrValues ?? []))];
  }

  at(index: number): RegisteredStep | undefined {
    return this.entries[index];
  }
}
