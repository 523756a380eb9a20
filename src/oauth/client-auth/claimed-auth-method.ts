import type { ClientRequest } from '../core/client-request';
import { ClientAssertionVerifier } from './client-assertion.verifier';

/**
 * The method a request's credentials claim, before (or without) authentication succeeding, for
 * the metrics of a refused request; undefined when it carries none.
 */
export function claimedAuthMethod(request: ClientRequest): string | undefined {
  if (/^basic /i.test(request.authorization ?? '')) return 'client_secret_basic';
  if (request.param('client_assertion') !== undefined) return ClientAssertionVerifier.isHmacAssertion(request) ? 'client_secret_jwt' : 'private_key_jwt';
  if (request.param('client_secret') !== undefined) return 'client_secret_post';
  if (request.param('client_id') !== undefined) return 'none';
  return undefined;
}
