// Types only, importing nothing: the plugin SDK's declarations reach this file.
/**
 * The tenant a plugin is called for, as the plugin sees it (`context.tenant` of a grant's
 * `handle`, a login step's `page`/`submit`, the second argument of an authenticator's
 * `authenticate`): frozen, one object per tenant and plugin, built the first time that tenant
 * calls it.
 */
export interface PluginTenant {
  /** The tenant domain (`wso2.com`; the default tenant's is `carbon.super`). */
  readonly domain: string;
  /** Its issuer: `<base_url>/t/{domain}`, or `<base_url>` for the default tenant. */
  readonly issuer: string;
  /** Whether it is the default tenant (`[server] base_url` itself). */
  readonly isDefault: boolean;
  /**
   * This plugin's `properties` as the tenant sees them: its entry's in the deployment file, with
   * the tenant's overrides of that entry (a `[tenant."<domain>"]` table's, then the admin API's)
   * merged key by key over them. What a tenant may override is the `[[event_listener]]` and
   * `[[login.authenticator]]` entries' properties; a grant's are the file's.
   */
  readonly properties: Readonly<Record<string, unknown>>;
}
