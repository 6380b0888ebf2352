import { decodeCursor, encodeCursor } from './event-cursor.js';

const cursorOf = (text: string) => Buffer.from(text).toString('base64url');

describe('event cursor', () => {
  it('reads back the position it wrote', () => {
    const position = { occurredAt: '2026-11-28T09:30:00.123456Z', id: 42 };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
    expect(decodeCursor(cursorOf('2024-02-29T23:59:59.999999Z|1'))).toEqual({
      occurredAt: '2024-02-29T23:59:59.999999Z',
      id: 1,
    });
    const largest = { occurredAt: '2026-11-28T09:30:00.123456Z', id: Number.MAX_SAFE_INTEGER };
    expect(decodeCursor(encodeCursor(largest))).toEqual(largest);
  });

  it.each([
    '2026-02-30T00:00:00.000000Z|5',
    '2026-11-31T00:00:00.000000Z|5',
    '2025-02-29T00:00:00.000000Z|5',
    '0000-01-01T00:00:00.000000Z|5',
    '2026-11-28T24:00:00.000000Z|5',
    '2026-11-28T23:60:00.000000Z|5',
    '2026-12-31T23:59:60.000000Z|5',
    '2026-13-01T00:00:00.000000Z|5',
    '2026-11-28T09:30:00Z|5',
    '2026-11-28T09:30:00.000000+01:00|5',
    '2026-11-28T09:30:00.000000Z|0',
    '2026-11-28T09:30:00.000000Z|9007199254740992',
    '2026-11-28T09:30:00.000000Z|9999999999999999',
    '2026-11-28T09:30:00.000000Z|5|6',
    'x|y',
  ])('refuses a cursor naming %p', (text) => {
    expect(decodeCursor(cursorOf(text))).toBeUndefined();
  });

  it('refuses text that is not base64url', () => {
    expect(decodeCursor('not a cursor')).toBeUndefined();
    expect(decodeCursor('')).toBeUndefined();
  });
});
