/** Where the interaction pages live: `/oauth2/interaction/<id>`, under the issuer's path (`/t/{domain}` for a tenant). */
export const INTERACTION_PATH = '/oauth2/interaction';

/**
 * The interaction's page (its current stage), or one of its form actions, under `pathPrefix`
 * (the issuer's `RequestContext.pathPrefix`): a tenant's pages redirect and post back to the
 * tenant, where its cookies and its (tenant, id) lookup find them.
 */
export function interactionPage(pathPrefix: string, id: string, action?: 'login' | 'select' | 'consent'): string {
  return `${pathPrefix}${INTERACTION_PATH}/${id}${action ? `/${action}` : ''}`;
}
