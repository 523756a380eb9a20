import { Transform } from 'class-transformer';
import { IsBoolean, IsInt } from 'class-validator';

export const INT_MESSAGE = 'must be an integer';
export const BOOL_MESSAGE = 'must be true or false';

/**
 * WSO2's documentation writes numbers and booleans both as TOML values and as strings
 * (`order = "899"`, `PreventTokenReuse = "false"`), so grantry accepts both spellings.
 * Anything else is left as it is for the validator to report.
 */
export function coerceInt(value: unknown): unknown {
  return typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
}

export function coerceBool(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const lower = value.trim().toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : value;
}

/** An integer property that also accepts its string spelling. */
export function TomlInt(): PropertyDecorator {
  return (target, key) => {
    Transform(({ value }) => coerceInt(value))(target, key);
    IsInt({ message: INT_MESSAGE })(target, key);
  };
}

/** A boolean property that also accepts "true" / "false". */
export function TomlBool(): PropertyDecorator {
  return (target, key) => {
    Transform(({ value }) => coerceBool(value))(target, key);
    IsBoolean({ message: BOOL_MESSAGE })(target, key);
  };
}
