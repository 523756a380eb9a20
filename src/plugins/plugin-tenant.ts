import { Injectable } from '@nestjs/common';
import { IssuerContext } from '../common/issuer-context';
import type { RequestContext } from '../common/request-context';
import type { EventListenerSettings, LoginAuthenticatorSettings } from '../config/config.schema';
import type { PluginTenant } from './plugin-tenant.types';

export type { PluginTenant };

/** Which entry of the tenant's settings configures a plugin: how its properties are found there. */
export type PluginEntry =
  | { kind: 'grant' }
  | { kind: 'authenticator'; listener: Pick<EventListenerSettings, 'id' | 'name'> }
  | { kind: 'login-step'; id: string };

/**
 * The settings a tenant resolves beyond the file's (per-tenant settings: the `[[event_listener]]`
 * and `[[login.authenticator]]` entries — the file's, then the tenant's). Read where present, so
 * plugins see a tenant's overrides as soon as the request context carries them.
 */
interface EntrySettings {
  readonly eventListeners?: readonly EventListenerSettings[];
  readonly loginSteps?: readonly LoginAuthenticatorSettings[];
}

/** Builds the `PluginTenant` each plugin call gets, from the request context it runs in. */
@Injectable()
export class PluginTenants {
  constructor(private readonly issuers: IssuerContext) {}

  /** The current tenant's view for the plugin `entry` configures, whose file properties are `properties`. */
  viewer(entry: PluginEntry, properties: Readonly<Record<string, unknown>>): () => PluginTenant {
    const slot = Symbol('plugin tenant view');
    return () => {
      const context = this.issuers.current;
      return context.memoised(slot, () => this.build(context, entry, properties));
    };
  }

  private build(context: RequestContext, entry: PluginEntry, fileProperties: Readonly<Record<string, unknown>>): PluginTenant {
    const settings = context.settings as EntrySettings;
    const entries: readonly { id?: string; name?: string; properties?: Record<string, unknown> }[] =
      entry.kind === 'authenticator' ? (settings.eventListeners ?? []).filter((listener) => configures(entry.listener, listener))
        : entry.kind === 'login-step' ? (settings.loginSteps ?? []).filter((step) => step.id === entry.id)
          : [];
    // The file's entries come first in the tenant's list, so merging them all in order puts the tenant's last.
    const properties = entries.length ? Object.assign({}, ...entries.map((listed) => listed.properties ?? {})) : { ...fileProperties };
    return deepFreeze({ domain: context.tenant, issuer: context.issuer, isDefault: context === this.issuers.default, properties: structuredClone(properties) });
  }
}

/** An `[[event_listener]]` entry speaks of the plugin's own when it names the same id or the same module. */
function configures(own: Pick<EventListenerSettings, 'id' | 'name'>, listed: EventListenerSettings): boolean {
  return (own.id !== undefined && listed.id === own.id) || (own.name !== undefined && listed.name === own.name);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}
