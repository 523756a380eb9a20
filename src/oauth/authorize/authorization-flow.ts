import { Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientsService } from '../../clients/clients.service';
import type { RegisteredClient } from '../../clients/registered-client';
import { IssuerContext } from '../../common/issuer-context';
import { errorDescriptionText, OAuthError } from '../../common/oauth-error';
import { GrantryConfig } from '../../config/config.schema';
import { nowSeconds } from '../../database/columns';
import type { UserEntity } from '../../users/user.entity';
import { UsersService } from '../../users/users.service';
import type { SecurityProfile } from '../core/security-profile';
import { SecurityProfiles } from '../core/security-profiles';
import { UNCONSTRAINED } from '../core/sender-constraint';
import { AuthorizationCodeGrantSettings, implicitEnabled } from '../../config/grant-type-tables';
import { GrantRegistry } from '../grants/grant.registry';
import { Consents } from '../interaction/consents';
import { InteractionEntity } from '../interaction/interaction.entity';
import { InteractionGone, Interactions } from '../interaction/interactions';
import { PageRenderer } from '../interaction/pages';
import type { SessionEntity } from '../interaction/session.entity';
import { Sessions } from '../interaction/sessions';
import { RegistrationGrantTypes } from '../registration/registration-grant-types';
import { IdTokenIssuer } from '../tokens/id-token.issuer';
import { TokenIssuance } from '../issuance/token-issuance';
import { TokenPolicy } from '../issuance/token-policy';
import { claimsBeyondScopes, scopeOfClaim, userClaimsFor } from '../tokens/oidc-claims';
import { IdTokenHints } from '../logout/id-token-hints';
import { AuthorizationCodes } from './authorization-codes';
import { AuthorizationPageError, redirectError } from './authorization-errors';
import { AuthorizationPolicy, ErrorDestination, recheckAgainstClient, validateAuthorizationRequest, ValidatedAuthorizationRequest } from './authorization-request';
import { deliver } from './authorization-response';

/** What the user must do before the request can be answered. */
type Need = 'login' | 'select_account' | 'consent' | 'nothing';

/** OIDC Core §3.1.2.6: the error `prompt=none` answers for each need. */
const PROMPT_NONE_ERRORS: Record<Exclude<Need, 'nothing'>, string> = {
  login: 'login_required',
  select_account: 'account_selection_required',
  consent: 'consent_required',
};

/** Where the interaction pages live: `/oauth2/interaction/<id>`. */
export const INTERACTION_PATH = '/oauth2/interaction';

/**
 * The authorization endpoint's decisions (RFC 6749 §4.1/§4.2, OIDC Core §3): validate the
 * request, find the browser's session, send the user through login, account choice and consent
 * when needed (an interaction), then answer at the redirect URI — a code bound to the request,
 * tokens, an ID token — under a grant record made now, so revoking it ends all of them.
 */
@Injectable()
export class AuthorizationFlow {
  private readonly logger = new Logger(AuthorizationFlow.name);
  /** One per profile (each issuer's profile is built once, so this is per issuer too). */
  private readonly policies = new WeakMap<SecurityProfile, AuthorizationPolicy>();
  private enabledTypes?: ReadonlySet<string>;

  constructor(
    private readonly clients: ClientsService,
    private readonly users: UsersService,
    private readonly sessions: Sessions,
    private readonly interactions: Interactions,
    private readonly consents: Consents,
    private readonly codes: AuthorizationCodes,
    private readonly tokenPolicy: TokenPolicy,
    private readonly issuance: TokenIssuance,
    private readonly idTokens: IdTokenIssuer,
    private readonly pages: PageRenderer,
    private readonly context: IssuerContext,
    private readonly codeSettings: AuthorizationCodeGrantSettings,
    private readonly grants: GrantRegistry,
    private readonly profiles: SecurityProfiles,
    private readonly config: GrantryConfig,
    private readonly registrationGrantTypes: RegistrationGrantTypes,
    private readonly hints: IdTokenHints,
  ) {}

  /**
   * What a request of `client` is held to: its security profile over what the deployment enables.
   * Built on first use, once the registries are filled (after start-up), then fixed.
   */
  policyFor(client: RegisteredClient | undefined): AuthorizationPolicy {
    const profile = this.profiles.forClient(client);
    let policy = this.policies.get(profile);
    if (!policy) {
      this.enabledTypes ??= enabledResponseTypes(this.grants, this.config);
      policy = {
        responseTypes: new Set([...this.enabledTypes].filter((type) => profile.allowsResponseType(type))),
        pkce: profile.pkce,
        parRequired: profile.parRequired,
        grantTypeApproved: (client, grantType) => this.registrationGrantTypes.approved(client, grantType),
      };
      this.policies.set(profile, policy);
    }
    return policy;
  }

  /** GET|POST /oauth2/authorize */
  async authorize(params: Record<string, string>, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const destination: { value?: ErrorDestination } = {};
    try {
      const client = params.client_id && params.client_id.length <= 64 ? await this.clients.findForAuthentication(params.client_id) : undefined;
      const validated = validateAuthorizationRequest(params, client, this.policyFor(client), destination);
      if (params.id_token_hint !== undefined) await this.applyHint(validated, params.id_token_hint, client!);
      const session = await this.liveSession(request);
      const need = await this.need(validated, client!, session, { fresh: false });
      if (need === 'nothing') return await this.finish(validated, client!, session!, reply);
      if (validated.prompt.includes('none')) throw new OAuthError(PROMPT_NONE_ERRORS[need], 'the user must interact with the authorization server', 302);
      // The interaction starts at the account choice, the first login step, or (signed in already) consent.
      const step = need === 'select_account' ? -1 : 0;
      const interaction = await this.interactions.start(request, reply, validated, need === 'consent' ? session!.session.id : undefined, step);
      void reply.status(303).headers({ Location: `${INTERACTION_PATH}/${interaction.id}`, 'Cache-Control': 'no-store' }).send();
    } catch (error) {
      this.fail(error, destination.value, reply);
    }
  }

  /**
   * After a login, an account choice or consent: ask for what is still needed, or answer the
   * client. `current` is the session the interaction signed in with (or chose) — never another
   * one a second tab may have started since.
   */
  async proceed(interaction: InteractionEntity, current: { session: SessionEntity; user: UserEntity } | undefined, reply: FastifyReply, consented = false): Promise<void> {
    const validated = interaction.request;
    const destination: ErrorDestination = { redirectUri: validated.redirectUri, responseMode: validated.responseMode, state: validated.state };
    try {
      const client = await this.clients.findForAuthentication(validated.clientId);
      if (!client || !current || current.session.id !== interaction.sessionId) throw new InteractionGone();
      // The client may have changed while the user was on the pages: what it may do now decides.
      recheckAgainstClient(validated, client, this.policyFor(client));
      this.checkSignedIn(validated, client, current);
      const need = consented ? 'nothing' : await this.need(validated, client, current, { fresh: true });
      if (need === 'nothing') {
        await this.interactions.finish(interaction);
        return await this.finish(validated, client, current, reply);
      }
      void reply.status(303).headers({ Location: `${INTERACTION_PATH}/${interaction.id}`, 'Cache-Control': 'no-store' }).send();
    } catch (error) {
      this.fail(error, destination, reply);
    }
  }

  /** The user approved the interaction's scopes for its client: asked no more for them (revocable in the admin API). */
  async rememberConsent(userId: string, interaction: InteractionEntity): Promise<void> {
    await this.consents.remember(userId, interaction.clientId, interaction.request.scopes);
  }

  /** The user said no (consent denied): access_denied at the redirect URI (RFC 6749 §4.1.2.1). */
  async deny(interaction: InteractionEntity, reply: FastifyReply): Promise<void> {
    const validated = interaction.request;
    await this.interactions.finish(interaction);
    this.fail(new OAuthError('access_denied', 'the user denied the request', 302), { redirectUri: validated.redirectUri, responseMode: validated.responseMode, state: validated.state }, reply);
  }

  /** The browser's session and its user, while both are live and the user enabled. */
  async liveSession(request: FastifyRequest): Promise<{ session: SessionEntity; user: UserEntity } | undefined> {
    const session = await this.sessions.current(request);
    const user = session && (await this.users.findById(session.userId));
    return session && user?.enabled ? { session, user } : undefined;
  }

  private async need(validated: ValidatedAuthorizationRequest, client: RegisteredClient, current: { session: SessionEntity; user: UserEntity } | undefined, { fresh }: { fresh: boolean }): Promise<Need> {
    if (!current) return 'login';
    if (!fresh) {
      if (validated.prompt.includes('login')) return 'login';
      // OIDC Core §3.1.2.1: max_age=0 means sign in again, like prompt=login.
      if (validated.maxAge !== undefined && (validated.maxAge === 0 || nowSeconds() - current.session.authTime > validated.maxAge)) return 'login';
      // §3.1.2.1 id_token_hint, §5.5.1 sub: the session is someone else's — the named user must sign in; never an answer for this one.
      if (!this.isNamedSubject(validated, client, current.user)) return 'login';
      // §5.5.1.1: a sign-in that does not satisfy the essential acr; another sign-in might.
      if (!acrSatisfied(validated, current.session.acr)) return 'login';
      if (validated.prompt.includes('select_account')) return 'select_account';
    }
    const consented = await this.consents.covers(current.user.id, validated.clientId, consentScopes(validated));
    return validated.prompt.includes('consent') || !consented ? 'consent' : 'nothing';
  }

  /**
   * OIDC Core §3.1.2.1: the hint must be an ID token this server issued to the client (signed,
   * perhaps then encrypted to this server; expired or not). Its `sub` — as the client sees it,
   * pairwise or public — is the only subject the answer may be for.
   */
  private async applyHint(validated: ValidatedAuthorizationRequest, hint: string, client: RegisteredClient): Promise<void> {
    const subject = await this.hints.subjectFor(hint, client.clientId);
    if (subject === undefined) throw redirectError('invalid_request', 'id_token_hint is not an ID token this server issued to this client');
    const subjects = validated.subjects?.filter((named) => named === subject) ?? [subject];
    if (!subjects.length) throw redirectError('invalid_request', 'id_token_hint and the claims parameter name different users');
    validated.subjects = subjects;
  }

  private isNamedSubject(validated: ValidatedAuthorizationRequest, client: RegisteredClient, user: UserEntity): boolean {
    return validated.subjects === undefined || validated.subjects.includes(this.idTokens.subjectFor(client, user.id));
  }

  /**
   * After a sign-in (or the choice of the signed-in account): the user must be the one the
   * request named — §3.1.2.1: otherwise an error such as login_required, never a code for
   * someone else — and the sign-in must satisfy an essential acr, or it is a failed
   * authentication (§5.5.1.1; OpenID Connect Core Error Code unmet_authentication_requirements).
   */
  private checkSignedIn(validated: ValidatedAuthorizationRequest, client: RegisteredClient, current: { session: SessionEntity; user: UserEntity }): void {
    if (!this.isNamedSubject(validated, client, current.user)) throw redirectError('login_required', 'the signed-in user is not the one the request names');
    if (!acrSatisfied(validated, current.session.acr)) throw redirectError('unmet_authentication_requirements', 'the sign-in does not satisfy the essential acr of the request');
  }

  /**
   * Answers the client: a grant record for what the user granted, and the response type's
   * artefacts — a code, and (implicit, hybrid) tokens issued by the same pipeline and policy as
   * the token endpoint's, reported as `token.issued` under `implicit` or `authorization_code`.
   */
  private async finish(validated: ValidatedAuthorizationRequest, client: RegisteredClient, current: { session: SessionEntity; user: UserEntity }, reply: FastifyReply): Promise<void> {
    const { session, user } = current;
    const parts = new Set(validated.responseType.split(' '));
    const grantType = parts.has('code') ? 'authorization_code' : 'implicit';
    const refreshable = parts.has('code') && this.tokenPolicy.allows(client, 'refresh_token');
    const principal = { subject: user.id, sessionId: session.id, authTime: session.authTime, amr: session.amr, ...(session.acr ? { acr: session.acr } : {}) };
    // Only what the user consented to: the claims the granted scopes release (OIDC Core §5.4).
    const claims = userClaimsFor(user, validated.scopes);
    const granted = await this.tokenPolicy.apply(client, grantType, [], { principal, scopes: validated.scopes, claims, subjectIsUser: true });
    // No token request, so no proof of possession to bind to: RFC 9449 and RFC 8705 bind at the token endpoint only.
    if (parts.has('token')) this.tokenPolicy.requireBinding(client, UNCONSTRAINED);
    const record = this.issuance.recordGrant({
      client,
      grantType,
      principal,
      subjectIsUser: true,
      granted,
      claims,
      requestedClaims: validated.claims,
      refreshable,
      // A code's record must outlive the code, and then the access token it is exchanged for.
      extraLifetime: parts.has('code') ? this.codeSettings.code_ttl : 0,
    });
    const code = parts.has('code') ? this.codes.issue(record, validated, this.codeSettings.code_ttl) : undefined;
    const issued = await this.issuance.issue({
      client,
      grantType,
      principal,
      record,
      recordIsNew: true,
      granted,
      notAfter: record.expiresAt,
      senderConstraint: UNCONSTRAINED,
      accessToken: parts.has('token'),
      refreshToken: false,
      idToken: parts.has('id_token')
        ? {
            nonce: validated.nonce,
            code: code?.code,
            // OIDC Core §5.4: without an access token to call userinfo with, the ID token carries the scopes' claims;
            // §5.5: the claims asked for the ID token one by one, in every case.
            claims: userClaimsFor(user, parts.has('token') || parts.has('code') ? [] : validated.scopes, validated.claims?.id_token),
          }
        : undefined,
      // The user disabled, deleted or changed since the session was read: no grant outlives that.
      before: [this.users.unchangedStep(user, () => OAuthError.accessDenied('the account cannot sign in now'))],
      after: code ? [code.step] : [],
    });
    const response: Record<string, string | undefined> = { code: code?.code, id_token: issued.idToken };
    if (issued.access) {
      Object.assign(response, { access_token: issued.access.token, token_type: issued.access.tokenType, expires_in: String(issued.access.expiresIn), scope: granted.scopes.join(' ') });
    }
    this.logger.debug(`authorization for client ${client.clientId}, user ${user.id}: ${validated.responseType}`);
    deliver(reply, this.pages, validated.redirectUri, validated.responseMode, { ...response, state: validated.state, iss: this.context.issuer });
  }

  /** Before the redirect URI is known: an error page. After: the error at the redirect URI, with state and iss. */
  fail(error: unknown, destination: ErrorDestination | undefined, reply: FastifyReply): void {
    if (error instanceof InteractionGone) {
      this.page(reply, 400, 'invalid_request', 'This sign-in has expired or was already finished. Go back to the application and start again.');
      return;
    }
    if (error instanceof AuthorizationPageError) {
      this.page(reply, 400, error.error, error.description);
      return;
    }
    if (error instanceof OAuthError && destination && error.status !== 401) {
      deliver(reply, this.pages, destination.redirectUri, destination.responseMode, { error: error.code, error_description: errorDescriptionText(error.description), state: destination.state, iss: this.context.issuer });
      return;
    }
    throw error;
  }

  private page(reply: FastifyReply, status: number, error: string, description: string): void {
    void reply.status(status).headers(this.pages.headers('error')).send(this.pages.error({ error, description }));
  }
}

/**
 * The scopes whose remembered consent covers the request: its own, and for each claim asked for
 * one by one (OIDC Core §5.5) beyond them, the scope that would release it. A consent is
 * remembered by scope only, so claims beyond every consented scope are asked each time.
 */
function consentScopes(validated: ValidatedAuthorizationRequest): string[] {
  const { id_token = [], userinfo = [] } = validated.claims ?? {};
  const beyond = claimsBeyondScopes([...id_token, ...userinfo], validated.scopes);
  return [...new Set([...validated.scopes, ...beyond.flatMap((claim) => scopeOfClaim(claim) ?? [])])];
}

/** OIDC Core §5.5.1.1: does the session's acr satisfy the request's essential acr (if any)? */
function acrSatisfied(validated: ValidatedAuthorizationRequest, acr: string | null): boolean {
  if (validated.essentialAcr === undefined) return true;
  return acr !== null && (validated.essentialAcr.length === 0 || validated.essentialAcr.includes(acr));
}

/** The response types of what is enabled: `code` with the authorization_code grant, `token`/`id_token` with implicit. */
function enabledResponseTypes(grants: GrantRegistry, config: GrantryConfig): ReadonlySet<string> {
  const code = grants.has('authorization_code');
  const implicit = implicitEnabled(config);
  const types = new Set<string>();
  if (code) types.add('code');
  if (implicit) for (const type of ['token', 'id_token', 'id_token token']) types.add(type);
  if (code && implicit) for (const type of ['code id_token', 'code token', 'code id_token token']) types.add(type);
  return types;
}
