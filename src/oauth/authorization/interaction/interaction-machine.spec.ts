import { afterAccountChoice, afterConsent, afterLoginStep, CHOOSE_ACCOUNT, initialState, InteractionState, pageToShow, stageOf, StateChanges } from './interaction-machine';

const started = (fields: Partial<InteractionState> = {}): InteractionState => ({ step: 0, sessionId: null, userId: null, amr: null, acr: null, ...fields });
const apply = (state: InteractionState, changes: StateChanges): InteractionState => ({ ...state, ...changes });

describe('the interaction state machine, step by step', () => {
  it('starts at the account choice, the first login step, or (signed in already) consent', () => {
    expect(initialState('select_account', 's1')).toEqual({ step: CHOOSE_ACCOUNT, sessionId: null });
    expect(initialState('login', 's1')).toEqual({ step: 0, sessionId: null });
    expect(initialState('login', undefined)).toEqual({ step: 0, sessionId: null });
    expect(initialState('consent', 's1')).toEqual({ step: 0, sessionId: 's1' });
    expect(stageOf(started(initialState('select_account', 's1')))).toEqual({ at: 'choose-account' });
    expect(stageOf(started(initialState('login', undefined)))).toEqual({ at: 'login', step: 0 });
    expect(stageOf(started(initialState('consent', 's1')))).toEqual({ at: 'consent', sessionId: 's1' });
  });

  it('runs two login steps to a sign-in: the first identifies the user, the second confirms them and adds its amr and acr', () => {
    let state = started();
    const first = afterLoginStep(state, { ok: true, userId: 'u1', amr: ['pwd'], acr: 'urn:grantry:acr:password' }, 2);
    expect(first).toEqual({ next: 'step', changes: { step: 1, userId: 'u1', amr: ['pwd'], acr: 'urn:grantry:acr:password' } });
    state = apply(state, (first as { changes: StateChanges }).changes);
    expect(stageOf(state)).toEqual({ at: 'login', step: 1 });
    expect(afterLoginStep(state, { ok: true, userId: 'u1', amr: ['otp', 'pwd'], acr: 'urn:example:mfa' }, 2)).toEqual({
      next: 'sign-in',
      userId: 'u1',
      amr: ['pwd', 'otp'],
      acr: 'urn:example:mfa',
      completedSteps: true,
    });
  });

  it('keeps the acr of the last step that named one', () => {
    const state = started({ step: 1, userId: 'u1', amr: ['pwd'], acr: 'urn:grantry:acr:password' });
    expect(afterLoginStep(state, { ok: true, userId: 'u1', amr: ['otp'] }, 2)).toMatchObject({ next: 'sign-in', acr: 'urn:grantry:acr:password' });
    expect(afterLoginStep(started(), { ok: true, userId: 'u1', amr: ['pwd'] }, 1)).toEqual({ next: 'sign-in', userId: 'u1', amr: ['pwd'], acr: undefined, completedSteps: false });
  });

  it('shows a failed step again; the failure counts toward the lock-out of a user an earlier step identified', () => {
    expect(afterLoginStep(started(), { ok: false, error: 'wrong' }, 2)).toEqual({ next: 'retry', error: 'wrong', countFailure: false });
    expect(afterLoginStep(started({ step: 1, userId: 'u1', amr: ['pwd'] }), { ok: false, error: 'wrong code' }, 2)).toEqual({ next: 'retry', error: 'wrong code', countFailure: true });
  });

  it('ends the interaction when a later step names another user: a step confirms, never switches users', () => {
    expect(afterLoginStep(started({ step: 1, userId: 'u1', amr: ['pwd'] }), { ok: true, userId: 'u2', amr: ['otp'] }, 2)).toEqual({ next: 'gone' });
  });

  it('account choice: the live session chosen goes on to consent; otherwise a sign-in; a post at another stage shows the current page', () => {
    const choosing = started(initialState('select_account', undefined));
    expect(afterAccountChoice(choosing, 'current', 's1')).toEqual({ next: 'chosen', changes: { step: 0, sessionId: 's1' } });
    expect(stageOf(apply(choosing, { step: 0, sessionId: 's1' }))).toEqual({ at: 'consent', sessionId: 's1' });
    expect(afterAccountChoice(choosing, 'other', 's1')).toEqual({ next: 'sign-in', changes: { step: 0 } });
    // The session ended meanwhile: choosing it is a sign-in.
    expect(afterAccountChoice(choosing, 'current', undefined)).toEqual({ next: 'sign-in', changes: { step: 0 } });
    expect(afterAccountChoice(started(), 'current', 's1')).toEqual({ next: 'elsewhere' });
  });

  it('shows the page of the stage: the account choice only while there is a session to choose', () => {
    const choosing = started(initialState('select_account', undefined));
    expect(pageToShow(choosing, 's1')).toEqual({ show: 'choose-account' });
    expect(pageToShow(choosing, undefined)).toEqual({ show: 'login', step: 0, changes: { step: 0 } });
    expect(pageToShow(started({ step: 1, userId: 'u1' }), undefined)).toEqual({ show: 'login', step: 1 });
    expect(pageToShow(started({ sessionId: 's1' }), 's1')).toEqual({ show: 'consent' });
    // Consent is for the session that signed in, not one a second tab started since.
    expect(pageToShow(started({ sessionId: 's1' }), 's2')).toEqual({ show: 'gone' });
    expect(pageToShow(started({ sessionId: 's1' }), undefined)).toEqual({ show: 'gone' });
  });

  it('consent: approve or deny from the session that signed in; anything else shows the page again', () => {
    const consenting = started({ sessionId: 's1' });
    expect(afterConsent(consenting, 'approve', 's1')).toEqual({ next: 'approved' });
    expect(afterConsent(consenting, 'deny', 's1')).toEqual({ next: 'denied' });
    expect(afterConsent(consenting, undefined, 's1')).toEqual({ next: 'elsewhere' });
    expect(afterConsent(consenting, 'approve', 's2')).toEqual({ next: 'gone' });
    expect(afterConsent(started(), 'approve', 's1')).toEqual({ next: 'gone' });
  });
});
