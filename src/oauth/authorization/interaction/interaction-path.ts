/** Where the interaction pages live: `/oauth2/interaction/<id>`. */
export const INTERACTION_PATH = '/oauth2/interaction';

/** The interaction's page (its current stage), or one of its form actions. */
export function interactionPage(id: string, action?: 'login' | 'select' | 'consent'): string {
  return action ? `${INTERACTION_PATH}/${id}/${action}` : `${INTERACTION_PATH}/${id}`;
}
