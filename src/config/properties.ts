import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flatten } from './validation-lines';

/**
 * Validates a free-form `properties` table (of an event listener or a grant) against a
 * class, as the main file is validated: unknown keys and bad values are errors naming the
 * property; numbers and booleans may be strings.
 */
export function parseProperties<T extends object>(type: ClassConstructor<T>, raw: Readonly<Record<string, unknown>>): T {
  const properties = plainToInstance(type, { ...raw });
  const errors = validateSync(properties, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) throw new Error(`invalid properties: ${flatten(errors, 'properties').join('; ')}`);
  return properties;
}
