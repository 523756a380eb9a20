import { isLoopbackHost } from './loopback-host';

/** What decides a client's sector: its subject type, sector identifier URI and redirect URIs. */
export interface SectorMetadata {
  subject_type: 'public' | 'pairwise';
  sector_identifier_uri: string | null;
  redirect_uris: readonly string[];
}

/**
 * OIDC Core §8.1: the host of the sector identifier URI, else of the (first) redirect URI; undefined
 * when neither gives one (a client without redirect URIs: its sector is its own client_id).
 * Never change what this returns for a stored client: its users' pairwise `sub` would change.
 */
export function sectorHost(sectorIdentifierUri: string | null, redirectUris: readonly string[]): string | undefined {
  const uri = sectorIdentifierUri ?? redirectUris[0];
  return uri && URL.canParse(uri) ? new URL(uri).host : undefined;
}

/**
 * Why a pairwise client must register a `sector_identifier_uri`, or undefined when its redirect
 * URIs name its sector. OIDC Core §8.1: several hosts need one. So does a host that is no sector
 * at all: a private-use scheme (RFC 8252 §7.1, `com.example.app:/cb`) has no host, and every
 * native app may register the loopback address (§7.3): without a sector identifier, unrelated apps
 * would share one sector — and one `sub` for a user, which pairwise identifiers exist to prevent.
 * The sector identifier URI is https, so its host is one its owner controls (OIDC Registration §5).
 */
export function sectorIdentifierNeeded(metadata: SectorMetadata): string | undefined {
  if (metadata.subject_type !== 'pairwise' || metadata.sector_identifier_uri) return undefined;
  const urls = metadata.redirect_uris.filter((uri) => URL.canParse(uri)).map((uri) => new URL(uri));
  if (new Set(urls.map((url) => url.host)).size > 1) return 'a pairwise client whose redirect_uris have several hosts needs a sector_identifier_uri';
  if (urls.some((url) => url.host === '')) return 'a pairwise client whose redirect_uris have no host (a private-use scheme) needs a sector_identifier_uri';
  if (urls.some((url) => isLoopbackHost(url.hostname))) return 'a pairwise client whose redirect_uris use a loopback host needs a sector_identifier_uri';
  return undefined;
}

/** A stored pairwise client whose sector its redirect URIs cannot name: it keeps it (see `sectorIdentifierNeeded`). */
export interface UnnamedSectorClient {
  clientId: string;
  /** The sector it has: '' for a private-use scheme, the loopback host, or several hosts' first. */
  sector: string;
}

/** The stored clients (any tenant) that `sectorIdentifierNeeded` would refuse today, with the sector each keeps. */
export function unnamedSectorClients(clients: readonly ({ clientId: string } & SectorMetadata)[]): UnnamedSectorClient[] {
  return clients.filter((client) => sectorIdentifierNeeded(client)).map((client) => ({ clientId: client.clientId, sector: sectorHost(client.sector_identifier_uri, client.redirect_uris) ?? client.clientId }));
}

/** One line for the start-up log and `config check`, naming the clients (at most `max`), their sector, and what to do. */
export function describeUnnamedSectors(found: readonly UnnamedSectorClient[], max = Infinity): string {
  const named = found.slice(0, max).map(({ clientId, sector }) => `${clientId} (sector ${JSON.stringify(sector)})`);
  const more = found.length > max ? `, and ${found.length - max} more (grantry config check lists them all)` : '';
  return (
    `${found.length} pairwise client${found.length === 1 ? '' : 's'} without a sector_identifier_uri take${found.length === 1 ? 's' : ''} ` +
    `${found.length === 1 ? 'its' : 'their'} sector from redirect URIs whose host is not theirs alone (a private-use scheme has none; every native app ` +
    `may use a loopback host): unrelated clients of one such sector see the same sub for a user. Each keeps its sector until an administrator ` +
    `gives it a sector_identifier_uri (its users' sub then changes) or deletes it: ${named.join('; ')}${more}`
  );
}
