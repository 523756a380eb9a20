import { Injectable, OnModuleInit } from '@nestjs/common';
import { GrantryConfig } from '../config/config.schema';
import { LoadedPlugins, loadPlugins } from './plugin-loader';
import { PluginServicesFactory } from './plugin-services';

/**
 * Loads the modules named in TOML while the application initialises — before the registries
 * fill themselves at bootstrap — so a bad plugin fails start-up and nothing is half-running.
 */
@Injectable()
export class PluginHost implements OnModuleInit {
  private plugins: LoadedPlugins = { grants: [], validators: new Map(), authenticators: [] };

  constructor(private readonly config: GrantryConfig, private readonly services: PluginServicesFactory) {}

  async onModuleInit(): Promise<void> {
    this.plugins = await loadPlugins(this.config, this.services.create());
  }

  get loaded(): LoadedPlugins {
    return this.plugins;
  }
}
