/**
 * Samples of a Prometheus text exposition, keyed `name{label="value",…}` with the labels sorted
 * by name (`name` alone without labels).
 */
export type Samples = Map<string, number>;

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function sampleKey(name: string, labels: Record<string, string> = {}): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((label) => `${label}="${labels[label]}"`);
  return pairs.length > 0 ? `${name}{${pairs.join(',')}}` : name;
}

export function parseMetrics(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, label, value] of (match[2] ?? '').matchAll(LABEL)) labels[label] = value;
    samples.set(sampleKey(match[1], labels), Number(match[3]));
  }
  return samples;
}

/** A sample's value, 0 when the series does not exist (yet). */
export function value(samples: Samples, name: string, labels: Record<string, string> = {}) {
  return samples.get(sampleKey(name, labels)) ?? 0;
}
