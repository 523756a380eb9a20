import { DiscoveryService } from '@nestjs/core';
import type { AssertionJti, AuthenticatedClient, ClientAuthenticator, GrantContext, GrantHandler, GrantResult, Principal } from './extension-point.types';

// The interfaces are in extension-point.types.ts, which imports no library (the plugin SDK's
// declarations reach them); this file adds the decorators that register built-ins with Nest.
export type { AssertionJti, AuthenticatedClient, ClientAuthenticator, GrantContext, GrantHandler, GrantResult, Principal };

export interface GrantOptions {
  /** Default position; `[oauth.grant_type.<id>] order` overrides it. */
  order: number;
  /** Name of its TOML table under `[oauth.grant_type]`. */
  id: string;
  /** False for a grant that stays off until its table says `enable = true` (the password grant). */
  enabledByDefault?: boolean;
}

export interface AuthenticatorOptions {
  order: number;
  /** `[[event_listener]] id` that configures it. */
  id: string;
  /**
   * Other `[[event_listener]] id` values that configure it: its method name where `id` differs
   * (discovery and the README call `private_key_jwt_authenticator` by its method, `private_key_jwt`).
   */
  aliases?: string[];
  /** `[[event_listener]] name` values that configure it too (WSO2 class names). */
  names?: string[];
  /**
   * Checks its `[event_listener.properties]` without an instance (`grantry config check`), as its
   * `configure` will at start-up; throws naming the bad property.
   */
  checkProperties?: (properties: Readonly<Record<string, unknown>>) => void;
}

/** Marks a provider as a grant handler for the grant registry. */
export const Grant = DiscoveryService.createDecorator<GrantOptions>();

/** Marks a provider as a client authenticator for the authenticator chain. */
export const ClientAuth = DiscoveryService.createDecorator<AuthenticatorOptions>();
