import { Injectable, OnModuleInit } from '@nestjs/common';
import { GrantryConfig } from '../config/config.schema';
import { Extensions } from '../oauth/extensions';
import { namesPluginModule } from './module-loader';
import { loadPlugins } from './plugin-loader';
import { PluginServicesFactory } from './plugin-services';
import { PluginTenants } from './plugin-tenant';

/**
 * Loads the modules named in TOML while the application initialises and hands them to the
 * registries through the `Extensions` token — before the registries fill themselves at
 * bootstrap — so a bad plugin fails start-up and nothing is half-running.
 */
@Injectable()
export class PluginHost implements OnModuleInit {
  constructor(
    private readonly config: GrantryConfig,
    private readonly services: PluginServicesFactory,
    private readonly extensions: Extensions,
    private readonly tenants: PluginTenants,
  ) {}

  async onModuleInit(): Promise<void> {
    const { grants, validators, authenticators, loginSteps } = await loadPlugins(this.config, this.services.create(), (clientId) => this.services.resolveClient(clientId), (entry, properties) => this.tenants.viewer(entry, properties));
    this.extensions.grants.push(...grants);
    for (const [id, validate] of validators) this.extensions.validators.set(id, validate);
    this.extensions.authenticators.push(...authenticators);
    this.extensions.loginSteps.push(...loginSteps);
    for (const listener of this.config.event_listener) if (namesPluginModule(listener)) this.extensions.pluginListeners.add(listener);
  }
}
