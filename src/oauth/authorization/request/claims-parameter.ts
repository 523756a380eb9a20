import { USER_CLAIMS } from '../../tokens/oidc-claims';
import type { RequestedClaims } from '../../grant-records/grant-record.entity';
import { redirectError } from './authorization-errors';

export type { RequestedClaims };

/** What the `claims` parameter asks of the authorization endpoint and of the tokens that follow. */
export interface ClaimsParameter {
  /** Claims the server knows how to release (the standard user claims); any other name is ignored (§5.5). */
  requested: RequestedClaims;
  /**
   * §5.5.1: `sub` with `value`/`values` — the answer may be only for one of these subjects (as
   * the client sees them), whatever the browser's session is. Undefined: any subject.
   */
  subjects?: string[];
  /**
   * §5.5.1.1: `acr` asked as an Essential Claim of the ID token: the sign-in must satisfy one of
   * these (an empty list: any acr at all), else the request fails. Undefined: not essential.
   */
  essentialAcr?: string[];
}

const MEMBERS = ['id_token', 'userinfo'] as const;

/**
 * OIDC Core §5.5: the `claims` request parameter, a JSON object whose `userinfo` and `id_token`
 * members each map claim names to `null` (asked for, voluntarily) or to `{ essential?, value?,
 * values? }` (§5.5.1). Anything malformed is `invalid_request`; other top-level members and
 * claims this server does not know are ignored, as §5.5 says. `value`/`values` mean something
 * only for `sub` (§5.5.1: the answer must be for that user) and `acr` (§5.5.1.1); for other
 * claims they are informational, and the user's actual value is returned.
 */
export function parseClaimsParameter(text: string): ClaimsParameter {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw redirectError('invalid_request', 'the claims parameter is not valid JSON');
  }
  if (!isObject(parsed)) throw redirectError('invalid_request', 'the claims parameter must be a JSON object');
  const result: ClaimsParameter = { requested: { id_token: [], userinfo: [] } };
  for (const member of MEMBERS) {
    if (!Object.hasOwn(parsed, member)) continue;
    const claims = parsed[member];
    if (!isObject(claims)) throw redirectError('invalid_request', `claims.${member} must be a JSON object`);
    for (const [name, request] of Object.entries(claims)) {
      const where = `claims.${member}.${name}`;
      if (request !== null && !isObject(request)) throw redirectError('invalid_request', `${where} must be null or a JSON object`);
      const essential = request?.essential;
      if (essential !== undefined && typeof essential !== 'boolean') throw redirectError('invalid_request', `${where}.essential must be true or false`);
      if (request && request.values !== undefined && !Array.isArray(request.values)) throw redirectError('invalid_request', `${where}.values must be an array`);
      if (name === 'sub') narrowSubjects(result, wanted(request, where));
      else if (name === 'acr') {
        const values = wanted(request, where);
        // §5.5.1.1 speaks of the ID token's acr; in userinfo it is no authentication requirement.
        if (member === 'id_token' && essential === true) result.essentialAcr = [...new Set([...(result.essentialAcr ?? []), ...(values ?? [])])];
      } else if (USER_CLAIMS.has(name) && !result.requested[member].includes(name)) result.requested[member].push(name);
    }
  }
  return result;
}

/** The string values `value` and `values` name, or undefined when they name none. */
function wanted(request: Record<string, unknown> | null, where: string): string[] | undefined {
  if (!request || (request.value === undefined && request.values === undefined)) return undefined;
  const values = [...(request.value === undefined ? [] : [request.value]), ...((request.values as unknown[] | undefined) ?? [])];
  if (!values.every((value) => typeof value === 'string')) throw redirectError('invalid_request', `${where}.value and .values must be strings`);
  return values as string[];
}

/** `sub` asked in both members: the answer must satisfy both (within one, `value` and `values` are alternatives). */
function narrowSubjects(result: ClaimsParameter, subjects: string[] | undefined): void {
  if (subjects === undefined) return;
  result.subjects = result.subjects === undefined ? [...new Set(subjects)] : result.subjects.filter((subject) => subjects.includes(subject));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
