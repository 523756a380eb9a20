import type { ServedPlugin, ServedReport } from '../observability/served-extensions';
import type { AuthenticatorRegistry } from './client-auth/authenticator.registry';
import type { Extensions } from './extensions';
import type { GrantRegistry } from './grants/grant.registry';

/** What the complete registries serve (and `implicit` when the authorization endpoint issues tokens), for observability's metric labels and start-up summary. */
export function servedReport(grants: GrantRegistry, authenticators: AuthenticatorRegistry, extensions: Extensions, implicit: boolean): ServedReport {
  const plugins: ServedPlugin[] = [
    ...extensions.grants.map((grant): ServedPlugin => ({ kind: 'grant', name: grant.handler.grantType, file: fileOf(grant.handler) })),
    ...extensions.authenticators.map((entry): ServedPlugin => ({ kind: 'authenticator', name: entry.authenticator.method, file: fileOf(entry.authenticator) })),
    ...extensions.loginSteps.map((step): ServedPlugin => ({ kind: 'login_step', name: step.id, file: fileOf(step) })),
  ];
  // `implicit` is issued at the authorization endpoint, not by a grant handler; its tokens are counted too.
  return { grantTypes: implicit ? [...grants.grantTypes, 'implicit'] : grants.grantTypes, authMethods: authenticators.methods, plugins };
}

/** Plugin adapters keep the file they were loaded from. */
function fileOf(adapter: object): string | undefined {
  const file = (adapter as { file?: unknown }).file;
  return typeof file === 'string' ? file : undefined;
}
