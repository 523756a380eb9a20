import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { SecuritySettings } from '../config/config.schema';
import { decodeMasterKey, MASTER_KEY_FORMAT } from '../config/master-key-format';

/** Reads `[security] master_key`, else the key file, else generates the file (development). */
export function loadMasterKey(settings: SecuritySettings, logger = new Logger('MasterKey')): Buffer {
  if (settings.master_key) return decodeKey(settings.master_key, '[security] master_key');
  const file = resolve(settings.master_key_file);
  if (existsSync(file)) return decodeKey(readFileSync(file, 'utf8').trim(), file);
  const key = randomBytes(32);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${key.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  logger.warn(
    `generated a master key at ${file}: it encrypts signing keys and client secrets. Back it up, and set ` +
      '[security] master_key (or GRANTRY_MASTER_KEY) to the same value on every instance that shares the database.',
  );
  return key;
}

function decodeKey(text: string, source: string): Buffer {
  const key = decodeMasterKey(text);
  if (!key) throw new Error(`${source}: ${MASTER_KEY_FORMAT}`);
  return key;
}

/** Purpose-bound keys derived from the master key (HKDF-SHA256), so one never serves two jobs. */
export function deriveKey(master: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `grantry:${purpose}`, 32));
}

/** A value stored in the database that shows which master key it was set up with. */
export function masterKeyCheckValue(master: Buffer): string {
  return createHmac('sha256', deriveKey(master, 'check')).update('grantry master key').digest('base64url');
}
