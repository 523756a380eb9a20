// RFC 8693 OAuth 2.0 Token Exchange as a grantry grant plugin (plain CommonJS, no build step).
//
// A client presents an access token of this server (subject_token) that was meant for it, and
// gets a new one for itself, optionally for another audience and on behalf of an actor
// (actor_token → "act"). The new token never outlives the subject token and never carries a
// scope the subject token or the client lacks, so chaining exchanges cannot stretch a stolen token.
//
//   [[oauth.custom_grant_type]]
//   name = "urn:ietf:params:oauth:grant-type:token-exchange"
//   grant_handler = "./plugins/token-exchange/index.js"
//   [oauth.custom_grant_type.properties]
//   allowed_audiences = ["api://orders"]            # audiences a new token may be for (the client must be registered for them too)
//   accepted_subject_audiences = ["api://backend"]  # subject tokens for these audiences are accepted, besides those naming the caller's client_id

const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

module.exports = class TokenExchangeGrant {
  grantType = 'urn:ietf:params:oauth:grant-type:token-exchange';

  constructor({ properties, services }) {
    this.allowedAudiences = Array.isArray(properties.allowed_audiences) ? properties.allowed_audiences : [];
    this.acceptedSubjectAudiences = Array.isArray(properties.accepted_subject_audiences) ? properties.accepted_subject_audiences : [];
    this.tokens = services.tokens;
    this.OAuthError = services.OAuthError;
  }

  /** §2.1: subject_token and subject_token_type are REQUIRED; actor_token_type goes with actor_token. */
  validate(request) {
    request.requireParam('subject_token');
    if (request.requireParam('subject_token_type') !== ACCESS_TOKEN) {
      throw this.OAuthError.invalidRequest(`subject_token_type must be ${ACCESS_TOKEN}`);
    }
    const requested = request.param('requested_token_type');
    if (requested !== undefined && requested !== ACCESS_TOKEN) {
      throw this.OAuthError.invalidRequest(`requested_token_type ${requested} is not supported; only ${ACCESS_TOKEN}`);
    }
    if ((request.param('actor_token') === undefined) !== (request.param('actor_token_type') === undefined)) {
      throw this.OAuthError.invalidRequest('actor_token and actor_token_type go together');
    }
    if (request.param('actor_token_type') !== undefined && request.param('actor_token_type') !== ACCESS_TOKEN) {
      throw this.OAuthError.invalidRequest(`actor_token_type must be ${ACCESS_TOKEN}`);
    }
  }

  async handle({ client, params, request }) {
    const subject = await this.tokens.lookup(params.subject_token);
    if (!subject) throw this.OAuthError.invalidGrant('subject_token is not an active access token of this server');
    // A sender-constrained token (DPoP cnf.jkt, mTLS cnf.x5t#S256) is only usable with its proof, which
    // this request does not carry: trading it for an unbound token would strip the binding.
    if (subject.senderConstraint.kind !== 'none') throw this.OAuthError.invalidGrant('subject_token is sender-constrained and cannot be exchanged');
    // The subject token must have been meant for the caller: a token for some other service is not its to trade.
    if (!subject.audience.some((aud) => aud === client.clientId || this.acceptedSubjectAudiences.includes(aud))) {
      throw this.OAuthError.invalidGrant('subject_token was not issued for this client');
    }
    const actor = params.actor_token === undefined ? undefined : await this.tokens.lookup(params.actor_token);
    if (params.actor_token !== undefined && !actor) throw this.OAuthError.invalidGrant('actor_token is not an active access token of this server');
    if (actor && actor.senderConstraint.kind !== 'none') throw this.OAuthError.invalidGrant('actor_token is sender-constrained and cannot be used here');

    // §2.1: audience names where the new token will be used; only configured ones are allowed.
    const audience = params.audience;
    if (audience !== undefined && !this.allowedAudiences.includes(audience)) {
      throw this.OAuthError.invalidTarget(`audience not allowed: ${audience}`);
    }

    // The new token may narrow, never widen, the subject token's scope — and by default keeps
    // only what the calling client may hold (grantry refuses anything beyond its registration).
    const scopes = request.scopes.length ? request.scopes : subject.scopes.filter((scope) => client.scopes.has(scope));
    const widened = scopes.filter((scope) => !subject.scopes.includes(scope));
    if (widened.length) throw this.OAuthError.invalidScope(`scope not in the subject token: ${widened.join(' ')}`);

    // §4.1: act names the current actor; a previous act (delegation chain) nests inside it.
    const claims = actor ? { act: { sub: actor.subject, client_id: actor.clientId, ...(subject.claims.act ? { act: subject.claims.act } : {}) } } : {};
    return {
      // The same principal: the identity provider that vouched for the subject stays named.
      principal: { subject: subject.subject, identityProvider: typeof subject.claims.idp === 'string' ? subject.claims.idp : undefined },
      scopes,
      audience: audience === undefined ? undefined : [audience],
      claims,
      notAfter: subject.expiresAt, // never outlive the subject token
      response: { issued_token_type: ACCESS_TOKEN }, // §2.2.1: REQUIRED
    };
  }
};
