import { getMetadataStorage, ValidationError } from 'class-validator';
import { didYouMeanHint } from './did-you-mean';
import { BOOL_MESSAGE, INT_MESSAGE } from './toml-values';

const TYPE_MESSAGES = [INT_MESSAGE, BOOL_MESSAGE];

/**
 * Validation errors as `key = value: what is allowed` lines, keys prefixed with `prefix`; an
 * unknown key names the nearest key of its table (`server.prot: unknown key (did you mean port?)`).
 */
export function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const key = /^\d+$/.test(error.property) ? `${prefix}[${error.property}]` : prefix ? `${prefix}.${error.property}` : error.property;
    const messages = Object.entries(error.constraints ?? {}).map(([rule, message]) =>
      rule === 'whitelistValidation' ? 'unknown key' : message.replace(`${error.property} `, ''),
    );
    // A value of the wrong type makes range messages noise: say only what type is expected.
    const typeMessage = messages.find((message) => TYPE_MESSAGES.includes(message));
    const own = !messages.length
      ? []
      : messages.includes('unknown key')
        ? [`${key}: unknown key${didYouMeanHint(error.property, knownKeys(error.target))}`]
        : [`${key} = ${JSON.stringify(error.value)}: ${typeMessage ?? messages.join('; ')}`];
    return [...own, ...flatten(error.children ?? [], key)];
  });
}

/** The keys a settings object takes: the properties its class declares validation for (what the whitelist allows). */
export function knownKeys(target: object | undefined): string[] {
  if (!target) return [];
  const metadata = getMetadataStorage().getTargetValidationMetadatas(target.constructor, '', true, false);
  return [...new Set(metadata.map((entry) => entry.propertyName))];
}
