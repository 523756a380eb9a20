import { Injectable } from '@nestjs/common';
import type { X509Certificate } from 'node:crypto';
import { ClientsService } from '../clients/clients.service';
import { RegisteredClient } from '../clients/registered-client';
import { OAuthError } from '../common/oauth-error';
import { TruststoreService } from '../keys/truststore.service';
import { OutboundFetcher } from '../outbound/outbound-fetcher';
import { AccessTokenInfo, AccessTokenLookup } from '../oauth/tokens/access-token.lookup';
import { UsersService } from '../users/users.service';
import { PluginClient, pluginClientView, PluginUser, pluginUserView } from './plugin-views';

/**
 * What a plugin may use: read-only lookups and the guarded fetcher — never signing keys, raw
 * repositories, token minting or consumption (a plugin returns the jtis to consume; the token
 * endpoint records them last).
 */
export interface PluginServices {
  /** A frozen copy of the client, without secret material. */
  clients: { find(clientId: string): Promise<PluginClient | undefined> };
  /** Verifies an access token of this server (JWT or opaque); undefined when not active. */
  tokens: { lookup(token: string): Promise<AccessTokenInfo | undefined> };
  /** Frozen copies of users, without password hashes; by id (a token's `sub`) or username. */
  users: { findById(id: string): Promise<PluginUser | undefined>; findByUsername(username: string): Promise<PluginUser | undefined> };
  truststore: { find(alias: string): Promise<X509Certificate | undefined> };
  /** https-only, no private addresses, 5 s, 64 KiB (see [oauth.outbound]). */
  fetch: { json(uri: string): Promise<unknown> };
  /** The error type the token endpoint renders as RFC 6749 §5.2 JSON. */
  OAuthError: typeof OAuthError;
}

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
