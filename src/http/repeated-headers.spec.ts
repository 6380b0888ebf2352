import { repeatedHeader } from './repeated-headers.js';

describe(repeatedHeader.name, () => {
  it.each([
    [['X-Actor', 'alice', 'x-actor', 'mallory'], 'x-actor'],
    [['Authorization', 'Bearer a', 'AUTHORIZATION', 'Bearer b'], 'authorization'],
    [['x-management-key', 'a', 'Host', 'h', 'X-Management-Key', 'a'], 'x-management-key'],
    [['X-Ingest-Key', 'a', 'X-Ingest-Key', 'b'], 'x-ingest-key'],
    [['X-Request-Id', 'a', 'x-request-id', 'a'], 'x-request-id'],
    [['Host', 'a', 'host', 'b'], 'host'],
  ])('finds the repeated identity header in %j', (raw, name) => {
    expect(repeatedHeader(raw)).toBe(name);
  });

  it.each([
    [[]],
    [['Accept', 'a', 'accept', 'b', 'X-Forwarded-For', '1', 'x-forwarded-for', '2']],
    [['X-Actor', 'a', 'X-Request-Id', 'b', 'X-Management-Key', 'c', 'Authorization', 'd']],
  ])('accepts %j (other headers may repeat)', (raw) => {
    expect(repeatedHeader(raw)).toBeUndefined();
  });
});
