import { INestApplicationContext } from '@nestjs/common';
import { SigningAlg } from '../../config/config.schema';
import { isSigningAlg } from '../../keys/key-material';
import { SigningKeysService } from '../../keys/signing-keys.service';
import { parse, readInputFile, requireString, secretOption, UsageError } from '../args';
import type { CliIO } from '../cli-io';
import { print } from '../output';

export const KEYS_USAGE = `grantry keys list [--json]
grantry keys generate [--alg RS256|PS256|ES256|EdDSA] [--bits N] [--activate] [--json]
grantry keys import --file F [--password-file F | --password-env NAME] [--alias A] [--alg ALG] [--activate] [--json]
grantry keys rotate [--alg ALG] [--json]`;

export async function keysCommand(app: INestApplicationContext, sub: string | undefined, args: string[], io: CliIO): Promise<void> {
  const keys = app.get(SigningKeysService);
  switch (sub) {
    case 'list': {
      const { values } = parse(args, {});
      print(io.stdout, await keys.list(), values.json === true);
      return;
    }
    case 'generate': {
      const { values } = parse(args, { alg: { type: 'string' }, bits: { type: 'string' }, activate: { type: 'boolean' } });
      const bits = values.bits === undefined ? undefined : Number(values.bits);
      if (bits !== undefined && !Number.isInteger(bits)) throw new UsageError('--bits must be an integer');
      print(io.stdout, await keys.generate(alg(values.alg) ?? 'RS256', { bits, activate: values.activate === true }), values.json === true);
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
      });
      print(io.stdout, view, values.json === true);
      return;
    }
    case 'rotate': {
      const { values } = parse(args, { alg: { type: 'string' } });
      print(io.stdout, await keys.rotate(alg(values.alg)), values.json === true);
      return;
    }
    default:
      throw new UsageError(`usage:\n${KEYS_USAGE}`);
  }
}

function alg(value: unknown): SigningAlg | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !isSigningAlg(value)) throw new UsageError('--alg must be one of RS256, PS256, ES256, EdDSA');
  return value;
}
