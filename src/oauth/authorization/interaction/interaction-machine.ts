import type { LoginStepOutcome } from './login-step';

/**
 * The interaction between an authorization request and its answer, as a state machine: where it
 * stands (what its row holds) and, for each form the user posts, where it goes next. Pure: the
 * flow (`authorization/flow/interaction-flow.ts`) runs the login steps, persists the changes
 * through `Interactions`, and answers the browser.
 *
 *   start ─► choose account ─► login step 0 … n ─► consent ─► done (the client's answer)
 *        └───────────────────► login step 0 … n ─┘        └─► denied (access_denied)
 *        └──────────────────────────────────────► consent
 */

/** Where an interaction stands: the columns of its row. */
export interface InteractionState {
  /** Index of the next login step; CHOOSE_ACCOUNT while the account choice comes first. */
  step: number;
  /** The session the user signed in with (or chose): set, only consent (if anything) is left. */
  sessionId: string | null;
  /** Who the login steps so far identified, how (`amr`) and at which level (`acr`). */
  userId: string | null;
  amr: string[] | null;
  acr: string | null;
}

/** `step` while the account choice (prompt=select_account) comes first. */
export const CHOOSE_ACCOUNT = -1;

/** What the user must do first (the prompt policy's need, anything but nothing). */
export type FirstNeed = 'login' | 'select_account' | 'consent';

/** The page the interaction is at. */
export type Stage = { at: 'choose-account' } | { at: 'login'; step: number } | { at: 'consent'; sessionId: string };

/** The columns a transition changes. */
export type StateChanges = Partial<Pick<InteractionState, 'step' | 'sessionId' | 'userId' | 'amr' | 'acr'>>;

/** Where the interaction starts: the account choice, the first login step, or (signed in already) consent. */
export function initialState(need: FirstNeed, sessionId: string | undefined): Pick<InteractionState, 'step' | 'sessionId'> {
  return { step: need === 'select_account' ? CHOOSE_ACCOUNT : 0, sessionId: need === 'consent' ? sessionId! : null };
}

export function stageOf(state: InteractionState): Stage {
  if (state.sessionId !== null) return { at: 'consent', sessionId: state.sessionId };
  if (state.step === CHOOSE_ACCOUNT) return { at: 'choose-account' };
  return { at: 'login', step: state.step };
}

/** The page to show, given the browser's live session (if any) — or `gone` when the interaction cannot go on here. */
export type PageToShow = { show: 'choose-account' } | { show: 'login'; step: number; changes?: StateChanges } | { show: 'consent' } | { show: 'gone' };

export function pageToShow(state: InteractionState, liveSessionId: string | undefined): PageToShow {
  const stage = stageOf(state);
  // Nothing to choose from (the session ended meanwhile): the account choice becomes the sign-in.
  if (stage.at === 'choose-account') return liveSessionId ? { show: 'choose-account' } : { show: 'login', step: 0, changes: { step: 0 } };
  if (stage.at === 'login') return { show: 'login', step: stage.step };
  // Consent is for the session that signed in: another browser session (a second tab's sign-in) never answers.
  return liveSessionId === stage.sessionId ? { show: 'consent' } : { show: 'gone' };
}

/** After a login step's form: the same page again, the next step, the sign-in — or `gone`. */
export type AfterLoginStep =
  | { next: 'retry'; error: string; countFailure: boolean }
  | { next: 'gone' }
  | { next: 'step'; changes: StateChanges }
  | { next: 'sign-in'; userId: string; amr: string[]; acr?: string; completedSteps: boolean };

/**
 * The login step at `state.step` (of `stepCount`) answered `outcome`. A later step confirms the
 * user an earlier one identified, never switches users; a later step's failure (a wrong second
 * factor) counts toward that user's lock-out.
 */
export function afterLoginStep(state: InteractionState, outcome: LoginStepOutcome, stepCount: number): AfterLoginStep {
  if (!outcome.ok) return { next: 'retry', error: outcome.error, countFailure: state.userId !== null };
  if (state.userId !== null && outcome.userId !== state.userId) return { next: 'gone' };
  const amr = [...new Set([...(state.amr ?? []), ...outcome.amr])];
  // The sign-in satisfies what the last step that named an acr vouched for (a later step without one keeps it).
  const acr = outcome.acr ?? state.acr ?? undefined;
  if (state.step + 1 < stepCount) return { next: 'step', changes: { step: state.step + 1, userId: outcome.userId, amr, acr: acr ?? null } };
  return { next: 'sign-in', userId: outcome.userId, amr, acr, completedSteps: stepCount > 1 };
}

/** After the account choice: the live session chosen, or a sign-in instead — or the interaction is past that page. */
export type AfterAccountChoice = { next: 'elsewhere' } | { next: 'chosen'; changes: StateChanges } | { next: 'sign-in'; changes: StateChanges };

export function afterAccountChoice(state: InteractionState, account: string | undefined, liveSessionId: string | undefined): AfterAccountChoice {
  if (state.step !== CHOOSE_ACCOUNT) return { next: 'elsewhere' };
  if (account === 'current' && liveSessionId) return { next: 'chosen', changes: { step: 0, sessionId: liveSessionId } };
  return { next: 'sign-in', changes: { step: 0 } };
}

/** After the consent form: approved, denied, not decided (the page again) — or `gone`. */
export type AfterConsent = { next: 'approved' } | { next: 'denied' } | { next: 'elsewhere' } | { next: 'gone' };

export function afterConsent(state: InteractionState, decision: string | undefined, liveSessionId: string | undefined): AfterConsent {
  if (state.sessionId === null || liveSessionId !== state.sessionId) return { next: 'gone' };
  if (decision === 'deny') return { next: 'denied' };
  if (decision !== 'approve') return { next: 'elsewhere' };
  return { next: 'approved' };
}
