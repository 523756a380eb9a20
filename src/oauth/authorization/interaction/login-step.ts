import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { RegisteredClient } from '../../../clients/registered-client';
import { ConfigError } from '../../../config/config-loader';
import { GrantryConfig, LoginAuthenticatorSettings } from '../../../config/config.schema';
import { didYouMeanHint } from '../../../config/did-you-mean';
import { mergeEntries, resolveTenantSettings } from '../../../config/tenant-settings';
import { IssuerContext } from '../../../common/issuer-context';
import type { ValidatedAuthorizationRequest } from '../request/authorization-request';
import { Extensions, type ExtensionLoginStep } from '../../extensions';
import { Candidate, candidatesOf, orderCandidates } from '../../ordered-providers';
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

/** One issuer's enabled steps, in its order, with its properties. */
type StepView = readonly RegisteredStep[];

const VIEW = Symbol('enabled login steps');

/**
 * What is wrong with a tenant's `[[login.authenticator]]` overrides: an id that names no step
 * (`known`: built-in and loaded ids), each line starting with `prefix`.
 */
export function tenantLoginStepProblems(entries: readonly { id?: unknown }[], known: readonly string[], prefix: string): string[] {
  return entries.flatMap((entry, i) =>
    typeof entry.id === 'string' && !known.includes(entry.id)
      ? [`${prefix}login.authenticator[${i}].id = ${JSON.stringify(entry.id)}: matches no login step${didYouMeanHint(entry.id, known)} (known: ${known.join(', ')}; a tenant cannot add a drop-in step)`]
      : [],
  );
}

/**
 * The enabled login steps in order, with `[[login.authenticator]]` overrides (`enable`, `order`,
 * `properties`), for the issuer serving the request: a tenant's entries (`IssuerSettings.loginSteps`,
 * after the file's) switch, order and configure the steps for that tenant.
 */
@Injectable()
export class LoginSteps implements OnApplicationBootstrap {
  private candidates: Candidate<LoginStep, LoginStepOptions>[] = [];
  private defaultView: StepView = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly config: GrantryConfig,
    private readonly extensions: Extensions,
    private readonly pages: PageRenderer,
    private readonly issuers: IssuerContext,
  ) {}

  onApplicationBootstrap(): void {
    const tables = this.config.login.authenticator;
    const plugins = this.extensions.loginSteps.map((extension) => ({ instance: this.rendered(extension), meta: { id: extension.id, order: extension.order } }));
    this.candidates = candidatesOf<LoginStep, LoginStepOptions>(this.discovery, LoginAuthenticator, plugins);
    const known = this.knownIds;
    const unknown = tables.filter((table) => !known.includes(table.id));
    if (unknown.length) throw new ConfigError(`[[login.authenticator]] id = "${unknown[0].id}" matches no login step (known: ${known.join(', ')}; a drop-in step names its module)`);
    const problems = Object.entries(this.config.tenant).flatMap(([domain, overrides]) => this.overrideProblems(overrides.login?.authenticator ?? [], `tenant.${JSON.stringify(domain)}.`));
    if (problems.length) throw new ConfigError(`invalid configuration\n${problems.map((line) => `  - ${line}`).join('\n')}`, problems);
    this.defaultView = this.build(this.issuers.default.settings.loginSteps);
    for (const domain of Object.keys(this.config.tenant)) {
      try {
        this.build(resolveTenantSettings(this.config, domain).settings.loginSteps);
      } catch (error) {
        throw new ConfigError(`[tenant.${JSON.stringify(domain)}] ${(error as Error).message}`);
      }
    }
  }

  /** What is wrong with a tenant's `[[login.authenticator]]` overrides (see `tenantLoginStepProblems`). */
  overrideProblems(entries: readonly { id?: unknown }[], prefix = ''): string[] {
    return tenantLoginStepProblems(entries, this.knownIds, prefix);
  }

  /** What building the steps of `tables` (an issuer's, merged) would refuse: every step switched off. */
  buildProblems(tables: readonly LoginAuthenticatorSettings[]): string[] {
    try {
      this.build(tables);
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  }

  private get knownIds(): string[] {
    return [...new Set(this.candidates.map(({ meta }) => meta.id))];
  }

  private build(tables: readonly LoginAuthenticatorSettings[]): StepView {
    const tableFor = (id: string) => mergeEntries(tables, (table) => table.id === id);
    const ordered = orderCandidates(this.candidates, (_, meta) => tableFor(meta.id));
    if (!ordered.length) throw new ConfigError('[[login.authenticator]]: every login step is disabled, so nobody could sign in');
    return ordered.map(({ instance, meta }) => ({ step: instance, properties: tableFor(meta.id)?.properties ?? {} }));
  }

  /** The current issuer's view: the default one's without a lookup, else built once per context. */
  private get entries(): StepView {
    const context = this.issuers.current;
    return context === this.issuers.default ? this.defaultView : context.memoised(VIEW, () => this.build(context.settings.loginSteps));
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
