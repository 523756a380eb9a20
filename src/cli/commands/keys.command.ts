import { INestApplicationContext } from '@nestjs/common';
import { getRepositoryToken } from '@nestjs/typeorm';
import { createHash, createPrivateKey, createPublicKey, KeyObject, sign, X509Certificate } from 'node:crypto';
import type { Repository } from 'typeorm';
import { keyEvent } from '../../audit/audit-event';
import { AuditTrail } from '../../audit/audit-trail';
import { IssuerContext } from '../../common/issuer-context';
import { SigningAlg } from '../../config/config.schema';
import { isKeyEncryptionAlg, KEY_ENCRYPTION_ALGS, KeyEncryptionAlg } from '../../keys/encryption-key-material';
import { EncryptionKeysService } from '../../keys/encryption-keys.service';
import { AlsoForKey } from '../../keys/key-facts';
import { isSigningAlg } from '../../keys/key-material';
import { sealContext, SigningKey } from '../../keys/signing-key.entity';
import { SigningKeysService } from '../../keys/signing-keys.service';
import { SecurityService } from '../../security/security.service';
import { parse, readInputFile, requireString, secretOption, UsageError } from '../args';
import type { CliIO } from '../cli-io';
import { operatorActor } from '../operator';
import { print } from '../output';
import { KEYS_USAGE } from '../usage';

export async function keysCommand(app: INestApplicationContext, sub: string | undefined, args: string[], io: CliIO): Promise<void> {
  const keys = app.get(SigningKeysService);
  const encryptionKeys = app.get(EncryptionKeysService);
  // A key's audit row is committed with the key.
  const audit = app.get(AuditTrail);
  const audited = (event: 'key.generated' | 'key.imported' | 'key.rotated'): AlsoForKey => (key) => [audit.step(keyEvent(event, operatorActor(), key))];
  switch (sub) {
    case 'list': {
      const { values } = parse(args, {});
      print(io.stdout, [...(await keys.list()), ...(await encryptionKeys.list())], values.json === true);
      return;
    }
    case 'generate': {
      const { values } = parse(args, { use: { type: 'string' }, alg: { type: 'string' }, bits: { type: 'string' }, activate: { type: 'boolean' } });
      const bits = values.bits === undefined ? undefined : Number(values.bits);
      if (bits !== undefined && !Number.isInteger(bits)) throw new UsageError('--bits must be an integer');
      if (use(values.use) === 'enc') {
        if (values.activate === true) throw new UsageError('--activate applies to signing keys: an encryption key is published when generated');
        const generated = await encryptionKeys.generate(encryptionAlg(values.alg), { bits }, audited('key.generated'));
        print(io.stdout, generated, values.json === true);
        return;
      }
      const generated = await keys.generate(alg(values.alg) ?? 'RS256', { bits, activate: values.activate === true }, audited('key.generated'));
      print(io.stdout, generated, values.json === true);
      return;
    }
    case 'import': {
      const { values } = parse(args, {
        file: { type: 'string' },
        password: { type: 'string' },
        'password-file': { type: 'string' },
        'password-env': { type: 'string' },
        alias: { type: 'string' },
        alg: { type: 'string' },
        activate: { type: 'boolean' },
      });
      const view = await keys.importKey({
        file: readInputFile(requireString(values, 'file')),
        password: secretOption(values, 'password', io.env),
        alias: values.alias as string | undefined,
        alg: alg(values.alg),
        activate: values.activate === true,
      }, audited('key.imported'));
      print(io.stdout, view, values.json === true);
      return;
    }
    case 'rotate': {
      const { values } = parse(args, { use: { type: 'string' }, alg: { type: 'string' } });
      const rotated = use(values.use) === 'enc' ? await encryptionKeys.rotate(encryptionAlg(values.alg), {}, audited('key.rotated')) : await keys.rotate(alg(values.alg), audited('key.rotated'));
      print(io.stdout, rotated, values.json === true);
      return;
    }
    case 'delete': {
      const { values } = parse(kidArgs(args), { kid: { type: 'string' } });
      const kid = requireString(values, 'kid');
      if (!(await encryptionKeys.delete(kid, [audit.step({ event: 'key.deleted', actor: operatorActor(), target: kid, details: { use: 'enc' } })]))) {
        const signing = (await keys.list()).some((key) => key.kid === kid);
        throw new UsageError(signing ? `${kid} is a signing key: signing keys leave by rotation (keys rotate), not deletion` : `no encryption key with kid ${kid}`);
      }
      io.stdout.write(`deleted encryption key ${kid}\n`);
      return;
    }
    case 'export': {
      const { values } = parse(kidArgs(args), { cert: { type: 'boolean' }, kid: { type: 'string' } });
      if (values.cert !== true) throw new UsageError('keys export needs --cert (the only export format)');
      const exported = await exportCertificate(app, values.kid as string | undefined);
      if (values.json === true) print(io.stdout, exported, true);
      else io.stdout.write(exported.certificate);
      return;
    }
    default:
      throw new UsageError(`usage:\n${KEYS_USAGE}`);
  }
}

/** Kids are base64url and may start with '-', which the parser would take for an option. */
function kidArgs(args: string[]): string[] {
  return args.flatMap((arg, i) => (arg === '--kid' && i + 1 < args.length ? [] : args[i - 1] === '--kid' ? [`--kid=${arg}`] : [arg]));
}

function use(value: unknown): 'sig' | 'enc' {
  if (value === undefined || value === 'sig' || value === 'enc') return value ?? 'sig';
  throw new UsageError('--use must be sig or enc');
}

function encryptionAlg(value: unknown): KeyEncryptionAlg | undefined {
  if (value === undefined) return undefined;
  if (!isKeyEncryptionAlg(value)) throw new UsageError(`--alg of an encryption key must be one of ${KEY_ENCRYPTION_ALGS.join(', ')}`);
  return value;
}

function alg(value: unknown): SigningAlg | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !isSigningAlg(value)) throw new UsageError('--alg must be one of RS256, PS256, ES256, EdDSA');
  return value;
}

/**
 * `keys export --cert`: a self-signed X.509 certificate for a signing key — the active key of
 * `[oauth.token] signing_alg`, or `--kid` — so that resource servers can pin it
 * (grantry/resource-server's certificate mode). Keys are stored without a certificate (imported
 * ones lose theirs), so one is made here, signed by the key itself with node:crypto: RSA, P-256
 * and Ed25519 alike. It is valid from an hour before the key's creation, with no expiry (RFC 5280 §4.1.2.5
 * 99991231235959Z): the key's life is decided by rotation, not by the certificate. Its subject
 * names the kid; serial and dates derive from the key, so exporting twice gives the same
 * certificate for RSA and Ed25519 keys (ECDSA signatures are randomised).
 */
async function exportCertificate(app: INestApplicationContext, kid?: string): Promise<{ kid: string; alg: SigningAlg; status: string; certificate: string }> {
  const keys = await app.get(SigningKeysService).list();
  const signingAlg = app.get(IssuerContext).settings.token.signing_alg;
  const view = kid === undefined ? keys.find((key) => key.alg === signingAlg && key.status === 'active') : keys.find((key) => key.kid === kid);
  if (!view) throw new UsageError(kid === undefined ? `no active ${signingAlg} signing key ([oauth.token] signing_alg)` : `no signing key with kid ${kid}`);
  const row = await app.get<Repository<SigningKey>>(getRepositoryToken(SigningKey), { strict: false }).findOneByOrFail({ kid: view.kid });
  const privateKey = createPrivateKey(app.get(SecurityService, { strict: false }).box.open(row.sealedPrivateKey, sealContext(row.kid)));
  // An hour before the key's creation: a resource server whose clock lags must not find it not yet valid.
  const certificate = selfSignedCertificate(privateKey, row.kid, new Date((row.createdAt - 3600) * 1000));
  // Never print what does not verify: the certificate's key must be the signing key.
  const check = new X509Certificate(certificate);
  if (!check.verify(createPublicKey(privateKey)) || !check.checkPrivateKey(privateKey)) {
    throw new Error(`the certificate made for key ${row.kid} does not verify`);
  }
  return { kid: view.kid, alg: view.alg, status: view.status, certificate };
}

/** Signature algorithm of the certificate (RFC 5280 §4.1.1.2) per key type, and how node:crypto makes it. */
const CERT_SIGNATURE: Record<string, { oid: string; params: boolean; digest: string | null }> = {
  rsa: { oid: '1.2.840.113549.1.1.11', params: true, digest: 'sha256' }, // sha256WithRSAEncryption (RFC 4055)
  ec: { oid: '1.2.840.10045.4.3.2', params: false, digest: 'sha256' }, // ecdsa-with-SHA256 (RFC 5758)
  ed25519: { oid: '1.3.101.112', params: false, digest: null }, // Ed25519 (RFC 8410)
};

function selfSignedCertificate(privateKey: KeyObject, kid: string, notBefore: Date): string {
  const scheme = CERT_SIGNATURE[privateKey.asymmetricKeyType ?? ''];
  if (!scheme) throw new Error(`cannot make a certificate for a ${privateKey.asymmetricKeyType} key`);
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const algorithm = der.seq(der.oid(scheme.oid), ...(scheme.params ? [der.null()] : []));
  const name = der.seq(
    der.set(der.seq(der.oid('2.5.4.10'), der.utf8('grantry'))), // O
    der.set(der.seq(der.oid('2.5.4.3'), der.utf8(kid))), // CN
  );
  const serial = createHash('sha256').update(`grantry certificate ${kid}`).digest().subarray(0, 16);
  serial[0] &= 0x7f; // positive (RFC 5280 §4.1.2.2)
  const extension = (oid: string, critical: boolean, value: Buffer) => der.seq(der.oid(oid), ...(critical ? [der.bool(true)] : []), der.octets(value));
  const tbs = der.seq(
    der.explicit(0, der.int(Buffer.from([2]))), // v3
    der.int(serial),
    algorithm,
    name,
    der.seq(der.time(notBefore), der.time(new Date(Date.UTC(9999, 11, 31, 23, 59, 59)))),
    name,
    spki,
    der.explicit(
      3,
      der.seq(
        extension('2.5.29.19', true, der.seq()), // basicConstraints: not a CA
        extension('2.5.29.15', true, der.bitString(Buffer.from([0x80]), 7)), // keyUsage: digitalSignature
        extension('2.5.29.14', false, der.octets(createHash('sha256').update(spki).digest().subarray(0, 20))), // subjectKeyIdentifier
      ),
    ),
  );
  const signature = sign(scheme.digest, tbs, privateKey);
  const certificate = der.seq(tbs, algorithm, der.bitString(signature));
  const body = certificate.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

/** The little DER (X.690) a certificate needs. */
const der = {
  tlv(tag: number, ...parts: Buffer[]): Buffer {
    const body = Buffer.concat(parts);
    // Short form below 128, else the long form: 0x80 | count, then the length's bytes.
    const long: number[] = [];
    for (let n = body.length; body.length >= 0x80 && n > 0; n >>>= 8) long.unshift(n & 0xff);
    const length = long.length ? [0x80 | long.length, ...long] : [body.length];
    return Buffer.concat([Buffer.from([tag, ...length]), body]);
  },
  seq: (...parts: Buffer[]) => der.tlv(0x30, ...parts),
  set: (...parts: Buffer[]) => der.tlv(0x31, ...parts),
  explicit: (n: number, inner: Buffer) => der.tlv(0xa0 + n, inner),
  null: () => Buffer.from([0x05, 0x00]),
  bool: (value: boolean) => der.tlv(0x01, Buffer.from([value ? 0xff : 0x00])),
  /** A non-negative INTEGER from big-endian bytes. */
  int(bytes: Buffer): Buffer {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0 && bytes[start + 1] < 0x80) start++;
    const trimmed = bytes.subarray(start);
    return der.tlv(0x02, trimmed[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
  },
  oid(dotted: string): Buffer {
    const arcs = dotted.split('.').map(Number);
    const bytes = [40 * arcs[0] + arcs[1]];
    for (const arc of arcs.slice(2)) {
      const chunk = [arc & 0x7f];
      for (let rest = arc >>> 7; rest > 0; rest >>>= 7) chunk.unshift(0x80 | (rest & 0x7f));
      bytes.push(...chunk);
    }
    return der.tlv(0x06, Buffer.from(bytes));
  },
  utf8: (text: string) => der.tlv(0x0c, Buffer.from(text, 'utf8')),
  octets: (bytes: Buffer) => der.tlv(0x04, bytes),
  bitString: (bytes: Buffer, unusedBits = 0) => der.tlv(0x03, Buffer.from([unusedBits]), bytes),
  /** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
  time(date: Date): Buffer {
    const iso = date.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z'); // YYYYMMDDHHMMSSZ
    return date.getUTCFullYear() < 2050 ? der.tlv(0x17, Buffer.from(iso.slice(2), 'ascii')) : der.tlv(0x18, Buffer.from(iso, 'ascii'));
  },
};
