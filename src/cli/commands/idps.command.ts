import { INestApplicationContext } from '@nestjs/common';
import { fieldNames } from '../../audit/audit-event';
import { AuditTrail } from '../../audit/audit-trail';
import { parseIdentityProviderInput } from '../../identity-providers/identity-provider-input';
import { IdentityProvidersService } from '../../identity-providers/identity-providers.service';
import { parse, readInputFile, requirePositional, requireString, UsageError } from '../args';
import type { CliIO } from '../cli-io';
import { operatorActor } from '../operator';
import { print } from '../output';
import { IDPS_USAGE } from '../usage';

const PROVIDER_OPTIONS = {
  name: { type: 'string' },
  issuer: { type: 'string' },
  alias: { type: 'string' },
  'jwks-uri': { type: 'string' },
  'certificate-file': { type: 'string' },
  'certificate-alias': { type: 'string' },
  alg: { type: 'string', multiple: true },
  'claim-mapping': { type: 'string', multiple: true },
  'allow-insecure-jwks-uri': { type: 'boolean' },
  'map-subject-to-user': { type: 'boolean' },
} as const;

/** The admin-API fields the options name (name and issuer are the caller's). */
function providerFields(values: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  if (values.alias) input.alias = values.alias;
  if (values['jwks-uri']) input.jwks_uri = values['jwks-uri'];
  if (values['certificate-file']) input.certificate = readInputFile(String(values['certificate-file'])).toString('utf8');
  if (values['certificate-alias']) input.certificate_alias = values['certificate-alias'];
  if (values.alg) input.signing_algs = values.alg;
  if (values['claim-mapping']) input.claim_mappings = claimMappings(values['claim-mapping'] as string[]);
  if (values['allow-insecure-jwks-uri']) input.allow_insecure_jwks_uri = true;
  if (values['map-subject-to-user']) input.map_subject_to_user = true;
  return input;
}

export async function idpsCommand(app: INestApplicationContext, sub: string | undefined, args: string[], io: CliIO): Promise<void> {
  const providers = app.get(IdentityProvidersService);
  const audit = app.get(AuditTrail);
  switch (sub) {
    case 'create': {
      const { values } = parse(args, { ...PROVIDER_OPTIONS, disabled: { type: 'boolean' } });
      const input: Record<string, unknown> = { name: requireString(values, 'name'), issuer: requireString(values, 'issuer'), ...providerFields(values) };
      if (values.disabled) input.enabled = false;
      const created = await providers.create(parseIdentityProviderInput(input), (id) => [audit.step({ event: 'identity_provider.created', actor: operatorActor(), target: id })]);
      print(io.stdout, created, values.json === true);
      return;
    }
    case 'update': {
      const { values, positionals } = parse(args, { ...PROVIDER_OPTIONS, 'no-map-subject-to-user': { type: 'boolean' }, 'no-allow-insecure-jwks-uri': { type: 'boolean' } });
      const id = requirePositional(positionals, 'ID');
      const input = providerFields(values);
      for (const field of ['name', 'issuer'] as const) if (values[field]) input[field] = values[field];
      if (values['no-map-subject-to-user']) input.map_subject_to_user = false;
      if (values['no-allow-insecure-jwks-uri']) input.allow_insecure_jwks_uri = false;
      if (!Object.keys(input).length) throw new UsageError('nothing to change: give at least one option');
      const audited = audit.step({ event: 'identity_provider.updated', actor: operatorActor(), target: id, details: { fields: fieldNames(input) } });
      print(io.stdout, (await providers.update(id, (current) => parseIdentityProviderInput(input, current), undefined, [audited])).view, values.json === true);
      return;
    }
    case 'enable':
    case 'disable': {
      const { values, positionals } = parse(args, {});
      const id = requirePositional(positionals, 'ID');
      const audited = audit.step({ event: 'identity_provider.updated', actor: operatorActor(), target: id, details: { fields: ['enabled'] } });
      print(io.stdout, (await providers.update(id, (current) => parseIdentityProviderInput({ enabled: sub === 'enable' }, current), undefined, [audited])).view, values.json === true);
      return;
    }
    case 'list': {
      const { values } = parse(args, {});
      const { items } = await providers.list(10_000, 0);
      print(io.stdout, items, values.json === true, ['id', 'name', 'issuer', 'enabled', 'alias']);
      return;
    }
    case 'show': {
      const { values, positionals } = parse(args, {});
      print(io.stdout, await providers.get(requirePositional(positionals, 'ID')), values.json === true);
      return;
    }
    case 'delete': {
      const { positionals } = parse(args, {});
      const id = requirePositional(positionals, 'ID');
      // Its subjects' links and grants end with it, and the audit row is written with them.
      // admin/ is required here only: `list` and `show` run without it (issue 30).
      const { IdentityProviderRemoval } = require('../../admin/identity-provider-removal') as typeof import('../../admin/identity-provider-removal');
      await app.get(IdentityProviderRemoval).delete(id, [audit.step({ event: 'identity_provider.deleted', actor: operatorActor(), target: id })]);
      io.stderr.write(`deleted identity provider ${id}\n`);
      return;
    }
    default:
      throw new UsageError(`usage:\n${IDPS_USAGE}`);
  }
}

function claimMappings(pairs: string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const [from, to] = pair.split('=');
      if (!from || !to) throw new UsageError(`--claim-mapping takes FROM=TO, not ${pair}`);
      return [from, to];
    }),
  );
}
