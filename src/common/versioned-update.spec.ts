import { IfMatch } from './entity-tag';
import { StaleVersion, updateVersioned } from './versioned-update';

/** An attempt that meets a concurrent change `stale` times, then writes. */
function attempts(stale: number) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    run: async () => {
      calls++;
      if (calls <= stale) throw new StaleVersion();
      return 'written';
    },
  };
}

describe('updateVersioned', () => {
  it('without If-Match, reads, merges and writes again over the newer version', async () => {
    const attempt = attempts(2);
    await expect(updateVersioned(undefined, attempt.run)).resolves.toBe('written');
    expect(attempt.calls).toBe(3);
  });

  it('with If-Match, answers 412 once the version it named is gone, without trying again', async () => {
    const attempt = attempts(1);
    await expect(updateVersioned(IfMatch.parse('"v1"'), attempt.run)).rejects.toMatchObject({ status: 412, code: 'precondition_failed' });
    expect(attempt.calls).toBe(1);
  });

  it('with If-Match: *, tries again like without it (any version will do)', async () => {
    await expect(updateVersioned(IfMatch.parse('*'), attempts(1).run)).resolves.toBe('written');
  });

  it('gives up with 409 when the record keeps changing', async () => {
    const attempt = attempts(100);
    await expect(updateVersioned(undefined, attempt.run)).rejects.toMatchObject({ status: 409, code: 'conflict' });
    expect(attempt.calls).toBe(5);
  });

  it('lets any other error through at once', async () => {
    await expect(updateVersioned(undefined, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
  });
});
