/**
 * @module
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests that
 * read `/metrics` as Prometheus would: every sample belongs to a family declared by `# TYPE`
 * before it, names and labels follow the format's grammar, label values are escaped as it
 * says, values are floats (`NaN`, `+Inf`, `-Inf` allowed, in any case as Prometheus reads
 * them), no series appears twice, and a
 * histogram's buckets rise with `le` and end at `+Inf` equal to its `_count`. Anything else
 * throws, naming the line.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly help: string;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
/** Suffixes a sample of each type may add to its family's name. */
const SUFFIXES: Record<MetricFamily['type'], readonly string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const seen = new Set<string>();
  const helps = new Map<string, string>();
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the text does not end with \\n');
  text.split('\n').forEach((line, index) => {
    const where = `line ${index + 1} (${JSON.stringify(line)})`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!meta) return; // a plain comment
      const [, keyword, name = '', rest = ''] = meta;
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name`);
      if (keyword === 'HELP') {
        if (helps.has(name)) throw new Error(`${where}: second HELP for ${name}`);
        helps.set(name, rest);
        return;
      }
      if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
      if (families.has(name)) throw new Error(`${where}: second TYPE for ${name}`);
      families.set(name, {
        name,
        type: rest as MetricFamily['type'],
        help: helps.get(name) ?? '',
        samples: [],
      });
      return;
    }
    const sample = parseSample(line, where);
    const family = familyOf(families, sample.name);
    if (!family) throw new Error(`${where}: sample of ${sample.name} before its TYPE`);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`${where}: the series appears twice`);
    seen.add(key);
    family.samples.push(sample);
  });
  for (const family of families.values()) {
    if (family.type === 'histogram') checkHistogram(family);
  }
  return families;
}

function familyOf(families: Map<string, MetricFamily>, name: string): MetricFamily | undefined {
  for (const family of families.values()) {
    if (SUFFIXES[family.type].some((suffix) => `${family.name}${suffix}` === name)) return family;
  }
  return undefined;
}

function parseSample(line: string, where: string): Sample {
  const head = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
  if (!head?.[1]) throw new Error(`${where}: no metric name`);
  const name = head[1];
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at += 1;
    while (line[at] !== '}') {
      const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(at));
      if (!label?.[1] || !LABEL_NAME.test(label[1])) throw new Error(`${where}: bad label`);
      at += label[0].length;
      let value = '';
      for (;;) {
        const char = line[at];
        if (char === undefined) throw new Error(`${where}: unterminated label value`);
        at += 1;
        if (char === '"') break;
        if (char === '\\') {
          const escaped = line[at];
          at += 1;
          if (escaped === 'n') value += '\n';
          else if (escaped === '\\' || escaped === '"') value += escaped;
          else throw new Error(`${where}: bad escape \\${escaped ?? ''}`);
        } else value += char;
      }
      if (label[1] in labels) throw new Error(`${where}: label ${label[1]} twice`);
      labels[label[1]] = value;
      if (line[at] === ',') at += 1;
      else if (line[at] !== '}') throw new Error(`${where}: expected , or } after a label`);
    }
    at += 1;
  }
  const rest = /^ (\S+)(?: (-?\d+))?$/.exec(line.slice(at));
  if (!rest?.[1]) throw new Error(`${where}: expected one space, a value and maybe a timestamp`);
  return { name, labels, value: parseValue(rest[1], where) };
}

/**
 * A sample value as Prometheus reads it (Go's strconv.ParseFloat): the format writes `NaN`,
 * `+Inf` and `-Inf`, and Prometheus takes any case of them (prom-client writes `Nan`).
 */
function parseValue(text: string, where: string): number {
  const lower = text.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) {
    throw new Error(`${where}: not a number: ${text}`);
  }
  return Number(text);
}

function checkHistogram(family: MetricFamily): void {
  const series = new Map<string, Sample[]>();
  const keyOf = (labels: Readonly<Record<string, string>>): string =>
    JSON.stringify(
      Object.entries(labels)
        .filter(([name]) => name !== 'le')
        .sort(),
    );
  for (const sample of family.samples) {
    if (sample.name !== `${family.name}_bucket`) continue;
    if (sample.labels.le === undefined) throw new Error(`${family.name}: a bucket without le`);
    const key = keyOf(sample.labels);
    series.set(key, [...(series.get(key) ?? []), sample]);
  }
  for (const [key, buckets] of series) {
    const bounds = buckets.map((bucket) => parseValue(bucket.labels.le ?? '', family.name));
    for (let i = 1; i < buckets.length; i++) {
      if (!((bounds[i] ?? 0) > (bounds[i - 1] ?? 0))) throw new Error(`${family.name}: le falls`);
      if ((buckets[i]?.value ?? 0) < (buckets[i - 1]?.value ?? 0)) {
        throw new Error(`${family.name}: a bucket counts less than the one below it`);
      }
    }
    if (bounds.at(-1) !== Number.POSITIVE_INFINITY) throw new Error(`${family.name}: no +Inf`);
    const count = family.samples.find(
      (sample) => sample.name === `${family.name}_count` && keyOf(sample.labels) === key,
    );
    if (count?.value !== buckets.at(-1)?.value) {
      throw new Error(`${family.name}: _count differs from the +Inf bucket`);
    }
  }
}

/** The value of the series with exactly these labels (0 when absent: a counter not yet moved). */
export function valueOf(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number {
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name !== name) continue;
      const keys = Object.keys(sample.labels);
      if (
        keys.length === Object.keys(labels).length &&
        keys.every((key) => sample.labels[key] === labels[key])
      ) {
        return sample.value;
      }
    }
  }
  return 0;
}

/** The sum over every series of `name` whose labels include these. */
export function sumOf(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number {
  let sum = 0;
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name !== name) continue;
      if (Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) {
        sum += sample.value;
      }
    }
  }
  return sum;
}
