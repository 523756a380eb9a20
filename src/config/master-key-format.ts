/** What `[security] master_key` (or GRANTRY_MASTER_KEY, or the key file) must hold: the one rule, for start-up and `config check`. */
export const MASTER_KEY_FORMAT = 'the master key must be 32 bytes, base64 or base64url encoded';

/** The 32-byte key `text` encodes — base64 when it uses `+`, `/` or `=`, else base64url — or undefined. */
export function decodeMasterKey(text: string): Buffer | undefined {
  const key = Buffer.from(text, /[+/=]/.test(text) ? 'base64' : 'base64url');
  return key.length === 32 ? key : undefined;
}
