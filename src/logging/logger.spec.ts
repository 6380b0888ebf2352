import { QueryFailedError } from 'typeorm';
import { createLogger } from './logger.js';

function capture() {
  const lines: string[] = [];
  const logger = createLogger(
    { level: 'log', format: 'json' },
    { write: (line: string) => void lines.push(line) },
  );
  return { logger, lines };
}

describe('the logger', () => {
  it("logs a failed query's error without its SQL or bound values, with its SQLSTATE", () => {
    const { logger, lines } = capture();
    const cause = Object.assign(new Error('relation "analytics_events" does not exist'), {
      code: '42P01',
      detail: 'Failing row contains (1, {"card_holder": "Jane Doe"})',
      where: 'SQL statement "INSERT INTO analytics_events …"',
      internalQuery: 'SELECT unnest(…)',
      hint: 'see Jane Doe',
      table: 'analytics_events',
    });
    const error = new QueryFailedError(
      'INSERT INTO analytics_events SELECT * FROM unnest($1::jsonb[])',
      [['{"card_holder":"Jane Doe"}']],
      cause,
    );
    logger.error({ request_id: 'r-1', err: error }, 'unexpected error');
    const [line] = lines.map((text) => JSON.parse(text));
    expect(line.err).toMatchObject({
      type: 'QueryFailedError',
      message: 'relation "analytics_events" does not exist',
      code: '42P01',
      table: 'analytics_events',
    });
    for (const field of ['query', 'parameters', 'driverError', 'detail', 'where', 'hint']) {
      expect(line.err).not.toHaveProperty(field);
    }
    expect(line.err).not.toHaveProperty('internalQuery');
    expect(line.err.stack).toEqual(expect.any(String));
    expect(lines[0]).not.toContain('Jane Doe');
    expect(lines[0]).not.toContain('unnest');
  });

  it('logs other errors whole', () => {
    const { logger, lines } = capture();
    logger.error({ err: Object.assign(new Error('boom'), { code: 'E1' }) }, 'failed');
    expect(JSON.parse(lines[0]).err).toMatchObject({ type: 'Error', message: 'boom', code: 'E1' });
  });
});
