import { INestApplicationContext } from '@nestjs/common';
import { AuditTrail } from '../../audit/audit-trail';
import { OAuthError } from '../../common/oauth-error';
import { TruststoreService } from '../../keys/truststore.service';
import { parse, readInputFile, requirePositional, requireString, UsageError } from '../args';
import type { CliIO } from '../cli-io';
import { operatorActor } from '../operator';
import { print } from '../output';
import { CERTS_USAGE } from '../usage';

export async function certsCommand(app: INestApplicationContext, sub: string | undefined, args: string[], io: CliIO): Promise<void> {
  const truststore = app.get(TruststoreService);
  switch (sub) {
    case 'import': {
      const { values } = parse(args, { alias: { type: 'string' }, file: { type: 'string' }, replace: { type: 'boolean' } });
      const alias = requireString(values, 'alias');
      const pem = readInputFile(requireString(values, 'file')).toString('utf8');
      try {
        const replace = values.replace === true;
        const imported = await truststore.import(alias, pem, { replace }, ({ fingerprint }) => [
          app.get(AuditTrail).step({ event: 'certificate.imported', actor: operatorActor(), target: alias, details: { fingerprint, replace } }),
        ]);
        print(io.stdout, imported, values.json === true);
      } catch (error) {
        if (error instanceof OAuthError && error.code === 'conflict') {
          throw new Error(`a certificate with alias "${alias}" already exists: pass --replace to replace it, or delete it first`);
        }
        throw error;
      }
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
      await truststore.delete(alias, [app.get(AuditTrail).step({ event: 'certificate.deleted', actor: operatorActor(), target: alias })]);
      io.stderr.write(`deleted certificate ${alias}\n`);
      return;
    }
    default:
      throw new UsageError(`usage:\n${CERTS_USAGE}`);
  }
}
