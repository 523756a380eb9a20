import { INestApplicationContext } from '@nestjs/common';
import { TruststoreService } from '../../keys/truststore.service';
import { parse, readInputFile, requirePositional, requireString, UsageError } from '../args';
import type { CliIO } from '../cli-io';
import { print } from '../output';

export const CERTS_USAGE = `grantry certs import --alias ALIAS --file CERT.pem [--json]
grantry certs list [--json]
grantry certs delete ALIAS`;

export async function certsCommand(app: INestApplicationContext, sub: string | undefined, args: string[], io: CliIO): Promise<void> {
  const truststore = app.get(TruststoreService);
  switch (sub) {
    case 'import': {
      const { values } = parse(args, { alias: { type: 'string' }, file: { type: 'string' } });
      const pem = readInputFile(requireString(values, 'file')).toString('utf8');
      print(io.stdout, await truststore.import(requireString(values, 'alias'), pem), values.json === true);
      return;
    }
    case 'list': {
      const { values } = parse(args, {});
      print(io.stdout, (await truststore.list()).items, values.json === true, ['alias', 'subject', 'fingerprint', 'not_after']);
      return;
    }
    case 'delete': {
      const { positionals } = parse(args, {});
      const alias = requirePositional(positionals, 'ALIAS');
      await truststore.delete(alias);
      io.stderr.write(`deleted certificate ${alias}\n`);
      return;
    }
    default:
      throw new UsageError(`usage:\n${CERTS_USAGE}`);
  }
}
