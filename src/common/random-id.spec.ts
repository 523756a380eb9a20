import { randomId } from './random-id';

describe('randomId', () => {
  it('never starts with - or _ and stays URL-safe', () => {
    for (let i = 0; i < 5000; i++) expect(randomId(16)).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{21}$/);
  });
});
