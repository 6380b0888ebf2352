import { requestIdFrom } from './request-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe(requestIdFrom.name, () => {
  it.each(['abc', 'a'.repeat(128), 'trace:1.2_3-4', 'A-Z.a-z:0_9'])('keeps %s', (id) => {
    expect(requestIdFrom({ 'x-request-id': id })).toBe(id);
  });

  it.each([[undefined], [''], ['a'.repeat(129)], ['has space'], ['semi;colon'], ['é'], ['a, b']])(
    'generates an id for %j',
    (id) => {
      const generated = requestIdFrom({ 'x-request-id': id });
      expect(generated).toMatch(UUID);
      expect(requestIdFrom({ 'x-request-id': id })).not.toBe(generated);
    },
  );
});
