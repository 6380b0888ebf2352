import { Secrets } from '../common/secrets.js';
import { RequestIds } from './request-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe(RequestIds.name, () => {
  const ids = new RequestIds();
  ids.attach(new Secrets(['secret-key-1', 'token.2.long']));

  it.each(['abc', 'a'.repeat(128), 'trace:1.2_3-4', 'A-Z.a-z:0_9', 'secret-key'])(
    'keeps %s',
    (id) => {
      expect(ids.from({ 'x-request-id': id })).toBe(id);
    },
  );

  it.each([
    [undefined],
    [''],
    ['a'.repeat(129)],
    ['has space'],
    ['semi;colon'],
    ['é'],
    ['a, b'],
    ['secret-key-1'],
    ['trace-secret-key-1-x'],
    ['token.2.long'],
  ])('generates an id for %j', (id) => {
    const generated = ids.from({ 'x-request-id': id });
    expect(generated).toMatch(UUID);
    expect(ids.from({ 'x-request-id': id })).not.toBe(generated);
  });

  it('keeps any valid id before the secrets are attached', () => {
    expect(new RequestIds().from({ 'x-request-id': 'secret-key-1' })).toBe('secret-key-1');
  });
});
