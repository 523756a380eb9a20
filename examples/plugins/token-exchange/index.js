// RFC 8693 OAuth 2.0 Token Exchange as a grantry grant plugin (plain CommonJS, no build step).
//
// A client presents an access token of this server (subject_token) and gets a new one for
// itself, optionally for another audience and on behalf of an actor (actor_token → "act").
//
//   [[oauth.custom_grant_type]]
//   name = "urn:ietf:params:oauth:grant-type:token-exchange"
//   grant_handler = "./plugins/token-exchange/index.js"
//   [oauth.custom_grant_type.properties]
//   allowed_audiences = ["api://orders"]

const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

module.exports = class TokenExchangeGrant {
  grantType = 'urn:ietf:params:oauth:grant-type:token-exchange';

  constructor({ properties, services }) {
    this.allowedAudiences = Array.isArray(properties.allowed_audiences) ? properties.allowed_audiences : [];
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

  async handle({ params, request }) {
    const subject = await this.tokens.lookup(params.subject_token);
    if (!subject) throw this.OAuthError.invalidGrant('subject_token is not an active access token of this server');
    const actor = params.actor_token === undefined ? undefined : await this.tokens.lookup(params.actor_token);
    if (params.actor_token !== undefined && !actor) throw this.OAuthError.invalidGrant('actor_token is not an active access token of this server');

    // §2.1: audience names where the new token will be used; only configured ones are allowed.
    const audience = params.audience;
    if (audience !== undefined && !this.allowedAudiences.includes(audience)) {
      throw this.OAuthError.invalidTarget(`audience not allowed: ${audience}`);
    }

    // The new token may narrow, never widen, the subject token's scope.
    const scopes = request.scopes.length ? request.scopes : subject.scopes;
    const widened = scopes.filter((scope) => !subject.scopes.includes(scope));
    if (widened.length) throw this.OAuthError.invalidScope(`scope not in the subject token: ${widened.join(' ')}`);

    // §4.1: act names the current actor; a previous act (delegation chain) nests inside it.
    const claims = actor ? { act: { sub: actor.subject, client_id: actor.clientId, ...(subject.claims.act ? { act: subject.claims.act } : {}) } } : {};
    return {
      subject: subject.subject,
      scopes,
      audience: audience === undefined ? undefined : [audience],
      claims,
      response: { issued_token_type: ACCESS_TOKEN }, // §2.2.1: REQUIRED
    };
  }
};
