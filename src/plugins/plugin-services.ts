import { Injectable } from '@nestjs/common';
import { ClientsService } from '../clients/clients.service';
import { RegisteredClient } from '../clients/registered-client';
import { OAuthError } from '../common/oauth-error';
import { TruststoreService } from '../keys/truststore.service';
import { OutboundFetcher } from '../outbound/outbound-fetcher';
import { AccessTokenLookup } from '../oauth/tokens/access-token.lookup';
import { UsersService } from '../users/users.service';
import type { PluginServices } from './plugin-services.types';
import { pluginClientView, pluginUserView } from './plugin-views';

export type { PluginServices };

@Injectable()
export class PluginServicesFactory {
  constructor(
    private readonly clients: ClientsService,
    private readonly tokens: AccessTokenLookup,
    private readonly truststore: TruststoreService,
    private readonly fetcher: OutboundFetcher,
    private readonly users: UsersService,
  ) {}

  /** The registered client itself — for the core side of the adapters, never handed to a plugin. */
  resolveClient(clientId: string): Promise<RegisteredClient | undefined> {
    return this.clients.findForAuthentication(clientId);
  }

  create(): PluginServices {
    return Object.freeze({
      clients: { find: async (clientId: string) => this.resolveClient(clientId).then((client) => client && pluginClientView(client)) },
      tokens: { lookup: (token: string) => this.tokens.find(token) },
      users: {
        findById: async (id: string) => (typeof id === 'string' ? this.users.findById(id).then((user) => user && pluginUserView(user)) : undefined),
        findByUsername: async (username: string) => (typeof username === 'string' ? this.users.findByUsername(username).then((user) => user && pluginUserView(user)) : undefined),
      },
      truststore: { find: (alias: string) => this.truststore.find(alias) },
      fetch: { json: async (uri: string) => (await this.fetcher.fetchJson(uri)).body },
      OAuthError,
    });
  }
}
