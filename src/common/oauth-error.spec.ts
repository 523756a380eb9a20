import { errorDescriptionText } from './oauth-error';

/** RFC 6749 §4.1.2.1, §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E. */
const ALLOWED = /^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/;

describe('errorDescriptionText', () => {
  it('keeps a description of allowed characters as it is', () => {
    const text = "grant_type urn:example:demo is not supported; use 'S256' (RFC 7636 4.2) [a-z]~{}|!#$%&*+,-./";
    expect(errorDescriptionText(text)).toBe(text);
  });

  it('turns quotes into single quotes and every other character outside the set into one ?', () => {
    // A quote, a right-to-left override, a backslash, a line feed: what the review sent as response_type.
    expect(errorDescriptionText('response_type "\u202e\\\nx is not supported')).toBe("response_type '???x is not supported");
    expect(errorDescriptionText('scope "caf\u00e9 \u{1F600}" \t\r\u0000\u007f')).toBe("scope 'caf? ?' ????");
  });

  it('leaves nothing outside the set, whatever it is given', () => {
    const everything = Array.from({ length: 0x3000 }, (_, i) => String.fromCharCode(i)).join('') + '\ud800\udc00\ud800';
    expect(errorDescriptionText(everything)).toMatch(ALLOWED);
  });
});
