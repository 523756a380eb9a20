import { createPrivateKey, KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { KeyMaterialError } from './key-material';

/**
 * Extracts the private key from a PKCS#12 (PFX) file: the entry named `alias` (its
 * friendlyName) when given, else the only key in the file. Node's crypto has no PKCS#12
 * reader; node-forge decrypts the container and Node takes over from the PKCS#8 bytes.
 */
export function readPkcs12PrivateKey(file: Buffer, password = '', alias?: string): KeyObject {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(file.toString('binary')));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch (error) {
    const reason = (error as Error).message;
    throw new KeyMaterialError(
      /mac|password|decrypt|invalid/i.test(reason)
        ? 'cannot open the PKCS#12 file: wrong password or corrupt file'
        : `not a PKCS#12 file (${reason})`,
    );
  }
  const bags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ];
  const named = alias ? bags.filter((bag) => bag.attributes?.friendlyName?.[0] === alias) : bags;
  if (named.length !== 1) {
    const names = bags.map((bag) => bag.attributes?.friendlyName?.[0] ?? '(unnamed)').join(', ');
    throw new KeyMaterialError(
      alias
        ? `the PKCS#12 file has no key with alias "${alias}" (it has: ${names || 'none'})`
        : `the PKCS#12 file holds ${bags.length} keys: name one with an alias (it has: ${names || 'none'})`,
    );
  }
  const bag = named[0];
  // forge parses RSA keys itself; for EC and Ed25519 it leaves the PrivateKeyInfo in bag.asn1.
  const info = bag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)) : bag.asn1;
  const der = Buffer.from(forge.asn1.toDer(info).getBytes(), 'binary');
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}
