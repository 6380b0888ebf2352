import { ApiError } from './api-error.js';
import { scanJson } from './json-text.js';
import { BODY_MESSAGES, MAX_JSON_DEPTH, parseJsonBody } from './request-body.js';

const nestsDeeperThan = (text: string, max: number) => scanJson(text, max).tooDeep;

/** The ApiError `parse` throws (fails the test when it throws none). */
function refusal(parse: () => unknown): { status: number; message: string } {
  try {
    parse();
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, message: error.message };
    throw error;
  }
  throw new Error('expected the body to be refused');
}

describe('request bodies', () => {
  it('measures nesting without recursion, skipping strings and escaped quotes', () => {
    expect(nestsDeeperThan('[[]]', 2)).toBe(false);
    expect(nestsDeeperThan('[[[]]]', 2)).toBe(true);
    expect(nestsDeeperThan('{"a":[{"b":1}],"c":{}}', 3)).toBe(false);
    expect(nestsDeeperThan('{"a":[{"b":{}}]}', 3)).toBe(true);
    expect(nestsDeeperThan('["[[[[", "\\"[[[["]', 1)).toBe(false);
    expect(nestsDeeperThan('["\\\\", [[]]]', 2)).toBe(true); // an escaped backslash ends no string
    expect(nestsDeeperThan('['.repeat(1_000_000), MAX_JSON_DEPTH)).toBe(true);
  });

  it('parses UTF-8 JSON, and an empty body as no body', () => {
    const parse = (text: string, type = 'application/json') =>
      parseJsonBody({ 'content-type': type }, Buffer.from(text));
    expect(parse('{"a":[1,{"b":"ü"}]}')).toEqual({ a: [1, { b: 'ü' }] });
    expect(parse('\ufeff{"a":1}')).toEqual({ a: 1 });
    expect(parse('null')).toBeNull();
    expect(parse('')).toBeUndefined();
    expect(parse('{}', 'application/json; charset=UTF-8')).toEqual({});
    expect(parse('{}', 'application/json; charset="utf8"')).toEqual({});
    expect(parse('{"constructor":"x"}')).toEqual({ constructor: 'x' }); // refused by the DTO
  });

  it('refuses every broken body with its own message', () => {
    const parse =
      (body: string | Buffer, type = 'application/json', encoding?: string) =>
      () =>
        parseJsonBody(
          { 'content-type': type, 'content-encoding': encoding },
          typeof body === 'string' ? Buffer.from(body) : body,
        );
    expect(refusal(parse('{}', 'application/json; charset=latin1'))).toEqual({
      status: 415,
      message: BODY_MESSAGES.charset,
    });
    for (const encoding of ['gzip', 'br', 'deflate, gzip']) {
      expect(refusal(parse('{}', 'application/json', encoding))).toEqual({
        status: 415,
        message: BODY_MESSAGES.encoded,
      });
    }
    expect(parseJsonBody({ 'content-encoding': 'identity' }, Buffer.from('{}'))).toEqual({});
    for (const transfer of ['gzip, chunked', 'Deflate,chunked', 'x-custom']) {
      expect(
        refusal(() => parseJsonBody({ 'transfer-encoding': transfer }, Buffer.from('{}'))),
      ).toEqual({ status: 415, message: BODY_MESSAGES.transferCoded });
    }
    expect(parseJsonBody({ 'transfer-encoding': 'Chunked' }, Buffer.from('{}'))).toEqual({});
    expect(refusal(parse(Buffer.from([0x22, 0xff, 0x22])))).toEqual({
      status: 400,
      message: BODY_MESSAGES.notUtf8,
    });
    for (const broken of ['{', '{"a":}', "{'a':1}", '[1,]', 'nul']) {
      expect(refusal(parse(broken))).toEqual({ status: 400, message: BODY_MESSAGES.invalidJson });
    }
    expect(refusal(parse('['.repeat(MAX_JSON_DEPTH + 1)))).toEqual({
      status: 400,
      message: BODY_MESSAGES.tooDeep,
    });
    const poisoned: [string, string][] = [
      ['{"__proto__":{}}', '__proto__'],
      ['[{"a":{"constructor":{"prototype":{}}}}]', '[0].a.constructor.prototype'],
      ['{"events":[{"a":1},{"b":[1,{"__proto__":null}]}]}', 'events[1].b[1].__proto__'],
      ['{"a":{"b":1},"c":{"__proto__":1},"d":{"__proto__":2}}', 'c.__proto__'],
    ];
    for (const [body, path] of poisoned) {
      expect(refusal(parse(body))).toEqual({
        status: 400,
        message: BODY_MESSAGES.prototypeKey(path),
      });
    }
    // `constructor` alone is an ordinary name (the unknown-field rules judge it).
    expect(parseJsonBody({}, Buffer.from('{"constructor":{"a":1}}'))).toEqual({
      constructor: { a: 1 },
    });
  });
});
