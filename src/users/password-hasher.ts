import { Injectable } from '@nestjs/common';
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { OAuthError } from '../common/oauth-error';
import { UsersSettings } from '../config/config.schema';

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** `$scrypt$ln=15,r=8,p=3$<salt>$<hash>` (base64url): the parameters travel with the hash. */
const FORMAT = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

/**
 * scrypt runs in libuv's threadpool, which also signs every token. At most half of the pool
 * hashes at once, so a flood of sign-ins (wrong passwords cost as much as right ones) slows
 * sign-ins, not every other token request; a queue beyond MAX_WAITING is refused at once.
 */
const THREADPOOL_SIZE = Number(process.env.UV_THREADPOOL_SIZE) || 4;
const MAX_CONCURRENT = Math.max(1, Math.floor(THREADPOOL_SIZE / 2));
const MAX_WAITING = 256;
let running = 0;
const waiting: (() => void)[] = [];

async function withHashingSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) {
    if (waiting.length >= MAX_WAITING) throw new OAuthError('temporarily_unavailable', 'too many sign-ins at once; try again shortly', 503);
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running++;
  }
  try {
    return await work();
  } finally {
    // Hand the slot to the next waiter (running stays the same), or free it.
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return withHashingSlot(() => scryptKey(password, salt, params));
}

function scryptKey(password: string, salt: Buffer, { logN, r, p }: ScryptParams): Promise<Buffer> {
  const N = 2 ** logN;
  // scrypt needs 128 * N * r bytes; node refuses above maxmem (32 MiB by default), so allow what the parameters ask.
  const maxmem = 128 * N * r + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N, r, p, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/**
 * Slow password hashing with scrypt from node:crypto (in the libuv threadpool, off the event
 * loop). Every verification costs the same whether or not the user exists: `verifyNothing`
 * burns one hash with the current parameters, so a wrong username answers as slowly as a
 * wrong password.
 */
@Injectable()
export class PasswordHasher {
  private readonly current: ScryptParams;
  /** A hash of a random password with today's parameters, made on first need (CLI runs never pay for it). */
  private decoy?: Promise<string>;

  constructor(settings: UsersSettings) {
    this.current = { logN: settings.scrypt_log_n, r: settings.scrypt_r, p: settings.scrypt_p };
  }

  /** The parameters as docs and the benchmark state them. */
  get parameters(): string {
    const { logN, r, p } = this.current;
    return `scrypt N=2^${logN} r=${r} p=${p}, ${KEY_LENGTH}-byte key, ${SALT_LENGTH}-byte salt`;
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_LENGTH);
    const key = await derive(password, salt, this.current);
    const { logN, r, p } = this.current;
    return `$scrypt$ln=${logN},r=${r},p=${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  /** Constant-time comparison; a malformed stored hash never matches. */
  async verify(password: string, stored: string): Promise<boolean> {
    const match = FORMAT.exec(stored);
    if (!match) return false;
    const params = { logN: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
    const expected = Buffer.from(match[5], 'base64url');
    const key = await derive(password, Buffer.from(match[4], 'base64url'), params);
    return key.length === expected.length && timingSafeEqual(key, expected);
  }

  /** The same work as a verification, for a user that does not exist, is disabled or locked. */
  async verifyNothing(password: string): Promise<void> {
    this.decoy ??= this.hash(randomBytes(16).toString('base64url'));
    await this.verify(password, await this.decoy);
  }

  /** A hash made with other parameters than today's is replaced at the next successful sign-in. */
  isOutdated(stored: string): boolean {
    const match = FORMAT.exec(stored);
    const { logN, r, p } = this.current;
    return !match || Number(match[1]) !== logN || Number(match[2]) !== r || Number(match[3]) !== p;
  }
}
