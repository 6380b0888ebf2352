import { actorFromHeader } from './actor.js';

/** A header value as Node hands it over: each byte of the UTF-8 text as one character. */
const asReceived = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

describe(actorFromHeader.name, () => {
  it('takes the header, trimmed, and the fallback only when it is absent', () => {
    expect(actorFromHeader(' alice ', 'api')).toEqual({ actor: 'alice' });
    expect(actorFromHeader(undefined, 'api')).toEqual({ actor: 'api' });
  });

  it('reads the header as UTF-8', () => {
    expect(actorFromHeader(asReceived('zoë-ü'), 'api')).toEqual({ actor: 'zoë-ü' });
    expect(actorFromHeader(asReceived('ops … 東京'), 'api')).toEqual({ actor: 'ops … 東京' });
  });

  it.each([
    ['sent twice', ['alice', 'mallory'], 'X-Actor must be sent at most once'],
    ['empty', '', 'X-Actor must not be empty'],
    ['blank', '   ', 'X-Actor must not be empty'],
    ['not UTF-8', '\xe9t\xe9', 'X-Actor must be UTF-8 text'],
    ['too long', 'x'.repeat(201), 'X-Actor must be 1–200 characters long'],
    ['with a control character', 'a\x7fb', 'X-Actor must contain only printable characters'],
  ])('refuses a header %s, naming it', (_name, header, message) => {
    expect(actorFromHeader(header, 'api')).toEqual({ problem: { parameter: 'X-Actor', message } });
  });
});
