import { Secrets } from './secrets.js';

describe(Secrets.name, () => {
  const secrets = Secrets.of(
    { managementApiKey: 'mgmt-key', ingestApiKey: 'zoë-key' },
    { metricsToken: undefined },
  );

  it('keeps each configured secret once, without the unset token', () => {
    expect(secrets.texts).toEqual(['mgmt-key', 'zoë-key']);
    expect(new Secrets(['a', 'a', '']).texts).toEqual(['a']);
  });

  it('finds a secret anywhere in a text, also as a header reads its UTF-8 bytes', () => {
    expect(secrets.foundIn('ops mgmt-key!')).toBe(true);
    expect(secrets.foundIn('zoë-key')).toBe(true);
    expect(secrets.foundIn(Buffer.from('by zoë-key').toString('latin1'))).toBe(true);
    expect(secrets.foundIn('mgmt-ke')).toBe(false);
    expect(Secrets.NONE.foundIn('mgmt-key')).toBe(false);
  });
});
