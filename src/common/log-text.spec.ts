import { capLength, logText, MAX_LOGGED_VALUE } from './log-text';

describe('logText', () => {
  it('shows a value of at most 256 characters whole, control characters escaped', () => {
    expect(logText('https://idp.example\n2026 INFO forged')).toBe('https://idp.example\\n2026 INFO forged');
    expect(logText('x'.repeat(MAX_LOGGED_VALUE))).toBe('x'.repeat(MAX_LOGGED_VALUE));
  });

  it('caps a longer one at 256 characters in all: its head, then its length', () => {
    const shown = logText(`https://${'a'.repeat(5000)}`);
    expect(shown).toHaveLength(MAX_LOGGED_VALUE);
    expect(shown).toMatch(/^https:\/\/a+…\(5008 chars\)$/);
  });

  it('caps at the length asked for', () => {
    expect(capLength('y'.repeat(300), 64)).toMatch(/^y{52}…\(300 chars\)$/);
  });
});
