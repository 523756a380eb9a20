import { INestApplicationContext } from '@nestjs/common';
import { initialAccessTokenCreated } from '../../audit/audit-event';
import { AuditTrail } from '../../audit/audit-trail';
import { OAuthError } from '../../common/oauth-error';
import { InitialAccessTokens, IssuedInitialAccessToken } from '../../oauth/registration/initial-access-tokens';
import { parse, requirePositional, UsageError } from '../args';
import type { CliIO } from '../cli-io';
import { operatorActor } from '../operator';
import { print } from '../output';
import { INITIAL_ACCESS_TOKENS_USAGE } from '../usage';

export async function initialAccessTokensCommand(app: INestApplicationContext, sub: string | undefined, args: string[], io: CliIO): Promise<void> {
  switch (sub) {
    case 'create': {
      const { values } = parse(args, { 'expires-in': { type: 'string' }, 'max-uses': { type: 'string' } });
      const request = { expires_in: wholeNumber(values['expires-in'], '--expires-in'), max_uses: wholeNumber(values['max-uses'], '--max-uses') };
      let issued: IssuedInitialAccessToken;
      try {
        // The id, never the token.
        issued = await app.get(InitialAccessTokens).issue(request, (created) => [app.get(AuditTrail).step(initialAccessTokenCreated(operatorActor(), created))]);
      } catch (error) {
        // The service names its fields as the admin API does; the CLI user typed flags.
        if (error instanceof OAuthError && error.code === 'invalid_request') {
          throw new UsageError(error.description.replace('expires_in', '--expires-in').replace('max_uses', '--max-uses'));
        }
        throw error;
      }
      print(io.stdout, issued, values.json === true);
      return;
    }
    case 'list': {
      const { values } = parse(args, {});
      print(io.stdout, (await app.get(InitialAccessTokens).list(1000, 0)).items, values.json === true, ['id', 'created_at', 'expires_at', 'max_uses', 'uses']);
      return;
    }
    case 'revoke': {
      const { positionals } = parse(args, {});
      const id = requirePositional(positionals, 'ID');
      await app.get(InitialAccessTokens).revoke(id, [app.get(AuditTrail).step({ event: 'initial_access_token.revoked', actor: operatorActor(), target: id })]);
      io.stderr.write(`revoked initial access token ${id}\n`);
      return;
    }
    default:
      throw new UsageError(`usage:\n${INITIAL_ACCESS_TOKENS_USAGE}`);
  }
}

function wholeNumber(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value)) throw new UsageError(`${flag} takes a whole number, not ${JSON.stringify(value)}`);
  return Number(value);
}
