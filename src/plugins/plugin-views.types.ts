// Types only, importing no library: the plugin SDK's declarations reach this file.
import type { RegisteredClient } from '../clients/registered-client.types';

/** A client as a plugin sees it: a frozen copy without secret material. */
export type PluginClient = Readonly<Omit<RegisteredClient, 'secretDigest' | 'sealedSecret'>>;

/** A user as a plugin sees it: a frozen copy without the password hash or lock-out counters. */
export type PluginUser = Readonly<{ id: string; username: string; claims: Readonly<Record<string, unknown>>; enabled: boolean }>;
