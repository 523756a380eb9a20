import { Injectable } from '@nestjs/common';
import type { EventListenerSettings } from '../config/config.schema';
import type { ClientAuthenticator, GrantHandler } from './core/extension-points';
import type { LoginStepContext, LoginStepOutcome } from './authorization/interaction/login-step';
import type { ClientRequest } from './core/client-request';

/** A grant handler from outside this module (a drop-in plugin). */
export interface ExtensionGrant {
  handler: GrantHandler;
  /** The `[oauth.grant_type]` id of the built-in it replaces, or the custom grant's name. */
  id: string;
  order: number;
  /** Set when it replaces a built-in: that built-in's id. */
  replaces?: string;
  properties: Readonly<Record<string, unknown>>;
}

export interface ExtensionAuthenticator {
  authenticator: ClientAuthenticator;
  order: number;
  listener: EventListenerSettings;
}

/** What a login step from outside shows: its heading and fields (grantry renders the page). */
export interface LoginStepPage {
  heading: string;
  intro?: string;
  fields: { name: string; label: string; type?: 'text' | 'password' | 'number' | 'email' | 'tel'; autocomplete?: string; inputmode?: string }[];
  submitLabel?: string;
}

/** A login step from outside this module (a drop-in plugin): described by data, rendered by grantry. */
export interface ExtensionLoginStep {
  id: string;
  order: number;
  properties: Readonly<Record<string, unknown>>;
  page(context: LoginStepContext): Promise<LoginStepPage>;
  submit(context: LoginStepContext, form: Readonly<Record<string, string>>): Promise<LoginStepOutcome>;
}

/**
 * The injection token through which grants and authenticators from outside `src/oauth` reach
 * the registries. Whoever loads them (the plugin host) adds them while the application
 * initialises; the registries read them at bootstrap, after every module initialised.
 * This module knows nothing of where they come from.
 */
@Injectable()
export class Extensions {
  readonly grants: ExtensionGrant[] = [];
  /** Extra parameter checks for built-in grants, by their `[oauth.grant_type]` id (WSO2's grant_validator). */
  readonly validators = new Map<string, (request: ClientRequest) => void>();
  readonly authenticators: ExtensionAuthenticator[] = [];
  readonly loginSteps: ExtensionLoginStep[] = [];
  /** `[[event_listener]]` entries that name a drop-in module, loaded or switched off: the plugin host's, not a built-in's. */
  readonly pluginListeners = new Set<EventListenerSettings>();
}
