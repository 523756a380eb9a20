import { standardClaimType } from '../users/standard-claims';
import { UsageError } from './args';

/**
 * The value of `--claim NAME=VALUE`: JSON when it parses as JSON — `true`, `42`, `null`,
 * `["a","b"]`, `{"locality":"Paris"}`, `"007"` — else the text as written (`Alice Smith`,
 * `alice@example.com`, `+15555550100`). So `email_verified=true` is the boolean OIDC Core §5.1
 * defines, not the string "true". A whole number too large to be exact in JSON (an account
 * number of 20 digits) stays text rather than lose digits. A standard claim §5.1 defines as a
 * string stays text whatever it looks like (`phone_number=4155551234`, `nickname=true`), a JSON
 * string given quoted as its text; the user parser checks the other standard claims' types.
 */
export function claimValue(name: string, text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  if (standardClaimType(name) === 'string') return typeof value === 'string' ? value : text;
  if (typeof value === 'number' && (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value)))) return text;
  return value;
}

const OBJECT_MACHINERY = new Set(['__proto__', 'constructor', 'prototype']);

export interface ClaimChanges {
  /** `--claims-file`: the user's whole claims, replacing what it had. */
  replaceWith?: Record<string, unknown>;
  /** `--claim NAME=VALUE`, in order (a repeated name: the last wins). */
  set: [string, unknown][];
  /** `--unset-claim NAME`. */
  unset: string[];
}

/**
 * The claims after the options of `users create|update`: the file's claims (else the current
 * ones), with each `--claim` set and each `--unset-claim` removed; every other claim is kept.
 * Setting and unsetting one name at once is a usage error: no order of the options decides it.
 */
export function changedClaims(current: Readonly<Record<string, unknown>>, changes: ClaimChanges): Record<string, unknown> {
  // A name of JavaScript's object machinery would change the object, not add a claim.
  const machinery = [...changes.set.map(([name]) => name), ...changes.unset].find((name) => OBJECT_MACHINERY.has(name));
  if (machinery) throw new UsageError(`${machinery} is not a claim name`);
  const both = changes.set.map(([name]) => name).filter((name) => changes.unset.includes(name));
  if (both.length) throw new UsageError(`--claim and --unset-claim both name ${both[0]}`);
  const claims: Record<string, unknown> = { ...(changes.replaceWith ?? current) };
  for (const [name, value] of changes.set) claims[name] = value;
  for (const name of changes.unset) delete claims[name];
  return claims;
}
