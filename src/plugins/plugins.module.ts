import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { KeysModule } from '../keys/keys.module';
import { OAuthModule } from '../oauth/oauth.module';
import { OutboundModule } from '../outbound/outbound.module';
import { UsersModule } from '../users/users.module';
import { PluginHost } from './plugin-host';
import { PluginServicesFactory } from './plugin-services';
import { PluginTenants } from './plugin-tenant';

/** Drop-in plugins named in TOML: loaded at start-up and handed to the OAuth registries. */
@Module({
  imports: [OAuthModule, ClientsModule, KeysModule, OutboundModule, UsersModule],
  providers: [PluginServicesFactory, PluginTenants, PluginHost],
})
export class PluginsModule {}
