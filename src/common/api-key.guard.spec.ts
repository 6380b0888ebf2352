import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AppConfig } from '../config/app.config.js';
import { ApiError } from './api-error.js';
import { ApiKeyGuard, IngestAuth, ManagementAuth } from './api-key.guard.js';
import { ApiKeys, presentedKeys } from './api-keys.js';

const KEY = 'unit-test-management-key';
const INGEST = 'unit-test-ingest-key';

class ManagementRoutes {
  @ManagementAuth() handle() {}
}
class IngestRoutes {
  @IngestAuth() handle() {}
}

function contextWith(
  headers: Record<string, string | string[]>,
  routes: object = ManagementRoutes,
): ExecutionContext {
  const type = routes as { prototype: { handle: () => void } };
  return {
    switchToHttp: () => ({ getRequest: () => ({ headers }) }),
    getHandler: () => type.prototype.handle,
    getClass: () => type,
  } as unknown as ExecutionContext;
}

function thrownBy(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe(ApiKeyGuard.name, () => {
  const guard = new ApiKeyGuard(
    { managementApiKey: KEY, ingestApiKey: INGEST } as AppConfig,
    new Reflector(),
  );

  it('accepts the management key as X-Management-Key or as a bearer token', () => {
    expect(guard.canActivate(contextWith({ 'x-management-key': KEY }))).toBe(true);
    expect(guard.canActivate(contextWith({ authorization: `Bearer ${KEY}` }))).toBe(true);
    expect(guard.canActivate(contextWith({ authorization: `bearer\t${KEY}` }))).toBe(true);
  });

  it('accepts the ingest key and the management key on ingest routes', () => {
    expect(guard.canActivate(contextWith({ 'x-ingest-key': INGEST }, IngestRoutes))).toBe(true);
    expect(
      guard.canActivate(contextWith({ authorization: `Bearer ${INGEST}` }, IngestRoutes)),
    ).toBe(true);
    expect(guard.canActivate(contextWith({ 'x-management-key': KEY }, IngestRoutes))).toBe(true);
  });

  it.each([
    ['as X-Ingest-Key', { 'x-ingest-key': INGEST }],
    ['as a bearer token', { authorization: `Bearer ${INGEST}` }],
    ['as X-Management-Key', { 'x-management-key': INGEST }],
  ])('refuses the ingest key %s on management routes', (_name, headers) => {
    expect(thrownBy(() => guard.canActivate(contextWith(headers)))).toMatchObject({
      code: 'unauthorized',
      status: 401,
    });
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
    for (const routes of [ManagementRoutes, IngestRoutes]) {
      const thrown = thrownBy(() => guard.canActivate(contextWith(headers, routes)));
      expect(thrown).toBeInstanceOf(ApiError);
      expect(thrown).toMatchObject({ code: 'unauthorized', status: 401 });
      expect((thrown as Error).message).not.toContain(KEY);
    }
  });

  it('accepts a valid key whatever else is presented beside it', () => {
    const headers = { 'x-management-key': KEY, authorization: 'Bearer junk' };
    expect(guard.canActivate(contextWith(headers))).toBe(true);
  });
});

describe(ApiKeys.name, () => {
  const keys = new ApiKeys({ managementApiKey: KEY, ingestApiKey: INGEST });

  it('compares keys of any length without throwing', () => {
    for (const key of ['', 'a', KEY.slice(0, -1), `${KEY}x`, 'x'.repeat(1 << 20)]) {
      expect(keys.matches(key, 'management')).toBe(false);
    }
    expect(keys.matches(KEY, 'management')).toBe(true);
    expect(keys.matches(KEY, 'ingest')).toBe(false);
    expect(keys.matches(INGEST, 'ingest')).toBe(true);
  });

  it('names the first accepted role whose key is presented, ignoring other keys', () => {
    const both = { 'x-ingest-key': INGEST, 'x-management-key': KEY };
    expect(keys.presentedRole(both, ['ingest', 'management'])).toBe('ingest');
    expect(keys.presentedRole(both, ['management'])).toBe('management');
    const junk = { 'x-management-key': 'junk', authorization: `Bearer ${KEY}` };
    expect(keys.presentedRole(junk, ['management'])).toBe('management');
    expect(keys.presentedRole({ 'x-ingest-key': INGEST }, ['management'])).toBeUndefined();
    expect(keys.presentedRole({}, ['ingest', 'management'])).toBeUndefined();
  });

  it('reads the presented keys from every key header, trimmed', () => {
    expect(
      presentedKeys({
        'x-management-key': ` ${KEY} `,
        'x-ingest-key': INGEST,
        authorization: 'Bearer other',
      }),
    ).toEqual([KEY, INGEST, 'other']);
    expect(presentedKeys({ authorization: 'Token abc' })).toEqual([]);
  });
});
