import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 64 * 1024;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * `bytes` from the CSPRNG as base64url, drawn from a pool refilled 64 KiB at a time. Each
 * `randomBytes(16)` is a synchronous call into OpenSSL (~7 µs here, most of it its fork check);
 * one 64 KiB fill costs ~150 µs for 4096 such values. Every byte is handed out once.
 */
export function randomToken(bytes: number): string {
  if (offset + bytes > pool.length) {
    pool = Buffer.allocUnsafe(Math.max(POOL_BYTES, bytes));
    randomFillSync(pool);
    offset = 0;
  }
  const token = pool.toString('base64url', offset, offset + bytes);
  pool.fill(0, offset, offset + bytes); // nothing handed out stays readable in the pool
  offset += bytes;
  return token;
}
