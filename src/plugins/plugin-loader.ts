import { Logger } from '@nestjs/common';
import type { RegisteredClient } from '../clients/registered-client';
import { GrantryConfig } from '../config/config.schema';
import type { ExtensionAuthenticator, ExtensionGrant, ExtensionLoginStep } from '../oauth/extensions';
import { builtInGrantDefinition } from '../oauth/grants/built-in-grants';
import type { ClientRequest } from '../oauth/core/client-request';
import { isModuleSpecifier, loadPluginClass } from './module-loader';
import { containedValidator, PluginClientAuthenticator, PluginGrantHandler, PluginLoginStep } from './plugin-adapters';
import { PluginLoadError } from './plugin-errors';
import type { PluginLogger } from './plugin-logger.types';
import type { PluginServices } from './plugin-services.types';
import type { PluginEntry } from './plugin-tenant';
import type { PluginTenant } from './plugin-tenant.types';

/** Order of a plugin whose TOML gives none: after the built-ins of the same kind. */
export const DEFAULT_PLUGIN_ORDER = 5000;

export interface LoadedPlugins {
  grants: ExtensionGrant[];
  /** Validator modules for built-in grants, by table id. */
  validators: Map<string, (request: ClientRequest) => void>;
  authenticators: ExtensionAuthenticator[];
  loginSteps: ExtensionLoginStep[];
}

/** Loads every module the deployment file names; any failure stops start-up naming the file. */
export async function loadPlugins(
  config: GrantryConfig,
  services: PluginServices,
  resolveClient: (clientId: string) => Promise<RegisteredClient | undefined>,
  /** The tenant each call of the plugin an entry configures runs for (plugin-tenant.ts). */
  tenants: (entry: PluginEntry, properties: Readonly<Record<string, unknown>>) => () => PluginTenant,
): Promise<LoadedPlugins> {
  const timeoutMs = config.plugins.timeout * 1000;
  const instantiate = async (spec: string, properties: Readonly<Record<string, unknown>>, name: string) => {
    const { Plugin, file } = await loadPluginClass(spec, config.configDir);
    const logger: PluginLogger = new Logger(`plugin:${name}`); // typed so Nest's Logger keeps fitting the SDK's PluginLogger
    try {
      return { instance: new Plugin(Object.freeze({ properties, logger, services })), file };
    } catch (error) {
      throw new PluginLoadError(`${file}: the constructor failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const loaded: LoadedPlugins = { grants: [], validators: new Map(), authenticators: [], loginSteps: [] };

  for (const entry of config.oauth.custom_grant_type) {
    if (!entry.enable) continue;
    const properties = entry.properties ?? {};
    const plugin = await instantiate(entry.grant_handler, properties, entry.name);
    const validator = entry.grant_validator ? await instantiate(entry.grant_validator, properties, entry.name) : undefined;
    loaded.grants.push({
      handler: new PluginGrantHandler(entry.name, plugin.instance, plugin.file, timeoutMs, tenants({ kind: 'grant' }, properties), validator),
      id: entry.name,
      order: entry.order ?? DEFAULT_PLUGIN_ORDER,
      properties,
    });
  }

  for (const [id, table] of Object.entries(config.oauth.grant_type)) {
    if (!table || table.enable === false) continue;
    const properties = table.properties ?? {};
    const handlerSpec = moduleOrBuiltIn(id, 'grant_handler', table.grant_handler);
    const validatorSpec = moduleOrBuiltIn(id, 'grant_validator', table.grant_validator);
    const validator = validatorSpec ? await instantiate(validatorSpec, properties, id) : undefined;
    if (handlerSpec) {
      const plugin = await instantiate(handlerSpec, properties, id);
      loaded.grants.push({
        handler: new PluginGrantHandler(builtInGrantDefinition(id)!.grantType, plugin.instance, plugin.file, timeoutMs, tenants({ kind: 'grant' }, properties), validator),
        id,
        order: table.order ?? DEFAULT_PLUGIN_ORDER,
        replaces: id,
        properties,
      });
    } else if (validator) {
      loaded.validators.set(id, containedValidator(validator));
    }
  }

  for (const listener of config.event_listener) {
    if (listener.enable === false || !listener.name || !isModuleSpecifier(listener.name)) continue;
    const plugin = await instantiate(listener.name, listener.properties ?? {}, listener.id ?? listener.name);
    const tenant = tenants({ kind: 'authenticator', listener: { id: listener.id, name: listener.name } }, listener.properties ?? {});
    loaded.authenticators.push({
      authenticator: new PluginClientAuthenticator(plugin.instance, plugin.file, timeoutMs, resolveClient, tenant),
      order: listener.order ?? DEFAULT_PLUGIN_ORDER,
      listener,
    });
  }
  for (const step of config.login.authenticator) {
    if (step.enable === false || step.module === undefined) continue;
    const properties = step.properties ?? {};
    const plugin = await instantiate(step.module, properties, step.id);
    loaded.loginSteps.push(new PluginLoginStep(step.id, step.order ?? DEFAULT_PLUGIN_ORDER, properties, plugin.instance, plugin.file, timeoutMs, tenants({ kind: 'login-step', id: step.id }, properties)));
  }
  return loaded;
}

/** A module to load, or undefined for the built-in (unset, or a WSO2 class name of the built-in). */
function moduleOrBuiltIn(id: string, key: string, value: string | undefined): string | undefined {
  const wso2ClassNames = builtInGrantDefinition(id)?.wso2ClassNames ?? [];
  if (value === undefined || wso2ClassNames.includes(value)) return undefined;
  if (isModuleSpecifier(value)) return value;
  throw new PluginLoadError(
    `[oauth.grant_type.${id}] ${key} = "${value}": neither a module path nor the WSO2 class of the built-in (${wso2ClassNames.join(', ') || 'none'})`,
  );
}
