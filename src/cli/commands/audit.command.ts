import { INestApplicationContext } from '@nestjs/common';
import type { AuditEventView } from '../../audit/audit-event';
import { AuditQuery, parseAuditQuery } from '../../audit/audit-query';
import { AuditTrail } from '../../audit/audit-trail';
import { OAuthError } from '../../common/oauth-error';
import { nowSeconds } from '../../database/columns';
import { parse, UsageError } from '../args';
import type { CliIO } from '../cli-io';
import { print } from '../output';
import { AUDIT_USAGE } from '../usage';

const LIST_COLUMNS = ['id', 'occurred_at', 'actor', 'event', 'client_id', 'target'];
const DEFAULT_LIMIT = 100;
/** A page of the trail at a time, so a large --limit never loads the table at once. */
const PAGE = 200;

export async function auditCommand(app: INestApplicationContext, sub: string | undefined, args: string[], io: CliIO): Promise<void> {
  if (sub !== 'list') throw new UsageError(`usage:\n${AUDIT_USAGE}`);
  const { values } = parse(args, {
    actor: { type: 'string' }, event: { type: 'string' }, client: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, limit: { type: 'string' },
  });
  const limitText = String(values.limit ?? DEFAULT_LIMIT);
  if (!/^[1-9]\d{0,8}$/.test(limitText)) throw new UsageError(`--limit takes a whole number from 1, not ${JSON.stringify(values.limit)}`);
  const limit = Number(limitText);
  let query: AuditQuery;
  try {
    query = parseAuditQuery({ actor: values.actor, event: values.event, client_id: values.client, since: values.since, until: values.until }, nowSeconds());
  } catch (error) {
    // The parser names the admin API's parameters; the CLI user typed flags.
    if (error instanceof OAuthError) throw new UsageError(`--${error.description.replace(/^client_id/, 'client')}`);
    throw error;
  }
  const audit = app.get(AuditTrail);
  const events: AuditEventView[] = [];
  let total = 0;
  for (let offset = 0; offset < limit; offset += PAGE) {
    const page = await audit.list(query, Math.min(PAGE, limit - offset), offset);
    events.push(...page.items);
    total = page.total;
    if (page.items.length < Math.min(PAGE, limit - offset)) break;
  }
  print(io.stdout, events, values.json === true, LIST_COLUMNS);
  // On stderr, so that stdout stays the bare --json array.
  if (total > events.length) io.stderr.write(`showing the newest ${events.length} of ${total} events: narrow with --since or --event, or raise --limit\n`);
}
