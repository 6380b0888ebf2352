import type { ExecutionContext } from '@nestjs/common';
import type { AppConfig } from '../config/app.config.js';
import { ApiError } from './api-error.js';
import { ManagementKeyGuard, presentedKeys } from './management-key.guard.js';

const KEY = 'unit-test-management-key';

function contextWith(headers: Record<string, string | string[]>): ExecutionContext {
  return {
    switchToHttp: () => ({ getRequest: () => ({ headers }) }),
  } as unknown as ExecutionContext;
}

describe(ManagementKeyGuard.name, () => {
  const guard = new ManagementKeyGuard({ managementApiKey: KEY } as AppConfig);

  it('accepts the key as X-Management-Key or as a bearer token', () => {
    expect(guard.canActivate(contextWith({ 'x-management-key': KEY }))).toBe(true);
    expect(guard.canActivate(contextWith({ authorization: `Bearer ${KEY}` }))).toBe(true);
    expect(guard.canActivate(contextWith({ authorization: `bearer\t${KEY}` }))).toBe(true);
  });

  it.each([
    ['nothing', {}],
    ['a wrong key', { 'x-management-key': 'wrong' }],
    ['an empty key', { 'x-management-key': '' }],
    ['a blank bearer token', { authorization: 'Bearer   ' }],
    ['another scheme', { authorization: `Basic ${KEY}` }],
    ['a key sent twice', { 'x-management-key': [KEY, KEY] }],
    ['a 100 KB key', { 'x-management-key': 'k'.repeat(100 * 1024) }],
    ['a 100 KB bearer token', { authorization: `Bearer ${'k'.repeat(100 * 1024)}` }],
    ['a multi-byte key of the same length', { 'x-management-key': 'é'.repeat(KEY.length) }],
  ])('rejects %s with 401 unauthorized, without echoing the key', (_name, headers) => {
    let thrown: unknown;
    try {
      guard.canActivate(contextWith(headers));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    expect(thrown).toMatchObject({ code: 'unauthorized', status: 401 });
    expect((thrown as Error).message).not.toContain(KEY);
  });

  it('compares keys of any length without throwing', () => {
    for (const key of ['', 'a', KEY.slice(0, -1), `${KEY}x`, 'x'.repeat(1 << 20)]) {
      expect(guard.matches(key)).toBe(false);
    }
    expect(guard.matches(KEY)).toBe(true);
  });

  it('reads the presented keys from both headers, trimmed', () => {
    expect(
      presentedKeys({ 'x-management-key': ` ${KEY} `, authorization: 'Bearer other' }),
    ).toEqual([KEY, 'other']);
    expect(presentedKeys({ authorization: 'Token abc' })).toEqual([]);
  });
});
