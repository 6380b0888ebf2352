import { Secrets } from './secrets.js';

describe(Secrets.name, () => {
  const secrets = Secrets.of(
    { managementApiKey: 'mgmt-key', ingestApiKey: 'zoë-key-1' },
    { metricsToken: undefined },
  );

  it('keeps each configured secret once, without the unset token', () => {
    expect(secrets.texts).toEqual(['mgmt-key', 'zoë-key-1']);
    expect(new Secrets(['a', 'a', '']).texts).toEqual(['a']);
  });

  it('finds a secret anywhere in a text, also as a header reads its UTF-8 bytes', () => {
    expect(secrets.foundIn('ops mgmt-key!')).toBe(true);
    expect(secrets.foundIn('zoë-key-1')).toBe(true);
    expect(secrets.foundIn(Buffer.from('by zoë-key-1').toString('latin1'))).toBe(true);
    expect(secrets.foundIn('mgmt-ke')).toBe(false);
    expect(Secrets.NONE.foundIn('mgmt-key')).toBe(false);
  });

  it('does not look for a secret too short to tell from a word, but keeps it for redaction', () => {
    const short = new Secrets(['ops', 'a-long-enough-token']);
    expect(short.foundIn('ops-team')).toBe(false);
    expect(short.foundIn('x-a-long-enough-token')).toBe(true);
    expect(short.texts).toEqual(['ops', 'a-long-enough-token']);
  });
});
