import type { FastifyRequest } from 'fastify';
import {
  extractAccessToken,
  formAccessToken,
  isExtractionFailure,
  type PresentedToken,
  SENT_MORE_THAN_ONCE,
  tokenCarriers,
  type TokenAcceptance,
} from '../../common/access-token-extractor';
import { OAuthError } from '../../common/oauth-error';

/**
 * The access token a request to one of the server's protected endpoints carries — userinfo, the
 * admin API, RFC 7591 registration (initial access token) and RFC 7592 management (registration
 * access token) — through the one token extractor, or the RFC 6750 §3.1 refusal: a bare Bearer
 * challenge when there is none, 401 invalid_token when it is malformed or the header repeated,
 * 400 invalid_request when it came by more than one method.
 *
 * `formToken`: the form's `access_token` as the endpoint parsed it, for one that reads the form
 * (`acceptance.form`); otherwise a form-encoded body's `access_token` is looked at only to refuse
 * it beside the header.
 */
export function presentedAccessToken(request: FastifyRequest, acceptance: TokenAcceptance = {}, formToken?: unknown, dpopAlgs?: readonly string[]): PresentedToken {
  const carriers = tokenCarriers(request, acceptance.form ? formToken : formAccessToken(request));
  const presented = extractAccessToken(carriers, acceptance);
  if (!isExtractionFailure(presented)) return presented;
  // The answer challenges in each scheme the endpoint accepts.
  // A DPoP challenge names the proof algorithms (RFC 9449 §7.1).
  const options = { detail: presented.detail, schemes: acceptance.schemes ?? ['Bearer'], dpopAlgs } as const;
  switch (presented.problem) {
    case 'missing':
      throw OAuthError.bearerRequired(undefined, options);
    case 'malformed':
      throw OAuthError.invalidToken(undefined, options);
    case 'ambiguous':
      throw OAuthError.invalidRequest(SENT_MORE_THAN_ONCE, options);
  }
}
