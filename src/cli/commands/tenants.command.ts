import { INestApplicationContext } from '@nestjs/common';
import { parseTenantChange, parseTenantInput } from '../../tenants/tenant-input';
import { TenantsService } from '../../tenants/tenants.service';
import { parse, requirePositional, UsageError } from '../args';
import type { CliIO } from '../cli-io';
import { operatorActor } from '../operator';
import { print } from '../output';
import { TENANTS_USAGE } from '../usage';

export async function tenantsCommand(app: INestApplicationContext, sub: string | undefined, args: string[], io: CliIO): Promise<void> {
  const tenants = app.get(TenantsService);
  switch (sub) {
    case 'create': {
      const { values, positionals } = parse(args, { 'display-name': { type: 'string' }, disabled: { type: 'boolean' } });
      const body: Record<string, unknown> = { domain: requirePositional(positionals, 'DOMAIN') };
      if (values['display-name'] !== undefined) body.display_name = values['display-name'];
      if (values.disabled) body.enabled = false;
      print(io.stdout, (await tenants.create(parseTenantInput(body), operatorActor())).view, values.json === true);
      return;
    }
    case 'update': {
      const { values, positionals } = parse(args, { 'display-name': { type: 'string' } });
      const domain = requirePositional(positionals, 'DOMAIN');
      if (values['display-name'] === undefined) throw new UsageError('nothing to change: give at least one option');
      // The admin API's validation of a PATCH body.
      const change = parseTenantChange({ display_name: values['display-name'] }, domain);
      print(io.stdout, (await tenants.update(domain, change, operatorActor())).view, values.json === true);
      return;
    }
    case 'enable':
    case 'disable': {
      const { values, positionals } = parse(args, {});
      const domain = requirePositional(positionals, 'DOMAIN');
      print(io.stdout, (await tenants.update(domain, { enabled: sub === 'enable' }, operatorActor())).view, values.json === true);
      return;
    }
    case 'list': {
      const { values } = parse(args, {});
      const { items } = await tenants.list(10_000, 0);
      print(io.stdout, items, values.json === true, ['domain', 'display_name', 'enabled', 'default', 'created_at']);
      return;
    }
    case 'show': {
      const { values, positionals } = parse(args, {});
      print(io.stdout, (await tenants.get(requirePositional(positionals, 'DOMAIN'))).view, values.json === true);
      return;
    }
    case 'delete': {
      const { values, positionals } = parse(args, { yes: { type: 'boolean' } });
      const domain = requirePositional(positionals, 'DOMAIN');
      // Everything of a tenant goes: the flag says the operator meant it (scripts pass it too).
      if (!values.yes) throw new UsageError(`deleting tenant ${domain} deletes every record of it; add --yes to confirm`);
      await tenants.delete(domain, operatorActor());
      io.stderr.write(`deleted tenant ${domain}\n`);
      return;
    }
    default:
      throw new UsageError(`usage:\n${TENANTS_USAGE}`);
  }
}
