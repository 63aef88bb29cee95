/*
 * A strict reader of Prometheus' text exposition format (0.0.4) for tests: every line must be a
 * HELP, a TYPE or a sample of a family announced before it, label values must be quoted and
 * escaped, values must be numbers; a histogram's buckets must rise and end in +Inf = _count.
 * It throws on anything a Prometheus server would refuse, naming the line.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Map<string, string>;
  help: Map<string, string>;
  samples: Sample[];
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(?:,|$)/;

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length) {
    const match = LABEL.exec(rest);
    if (!match) throw new Error(`bad labels in: ${line}`);
    if (match[1] in labels) throw new Error(`duplicate label ${match[1]} in: ${line}`);
    labels[match[1]] = match[2].replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    rest = rest.slice(match[0].length);
  }
  return labels;
}

function parseValue(text: string, line: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  const value = Number(text);
  if (!/^-?[0-9.]+(e[+-]?[0-9]+)?$/i.test(text) || Number.isNaN(value)) throw new Error(`bad value in: ${line}`);
  return value;
}

/** The family a sample belongs to: its own name, or a histogram's/summary's base name. */
function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return ["histogram", "summary"].includes(types.get(base) ?? "") ? base : undefined;
}

export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const comment = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (comment) {
      if (comment[1] === "TYPE") {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(comment[3])) throw new Error(`bad type in: ${line}`);
        if (types.has(comment[2])) throw new Error(`second TYPE for ${comment[2]}`);
        types.set(comment[2], comment[3]);
      } else help.set(comment[2], comment[3]);
      continue;
    }
    if (line.startsWith("#")) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const name = match[1];
    if (!familyOf(name, types)) throw new Error(`sample before its TYPE: ${line}`);
    samples.push({ name, labels: parseLabels(match[2] ?? "", line), value: parseValue(match[3], line) });
  }
  checkHistograms(types, samples);
  return { types, help, samples };
}

function checkHistograms(types: Map<string, string>, samples: Sample[]): void {
  for (const [family, type] of types) {
    if (type !== "histogram") continue;
    const series = new Map<string, { buckets: Array<[number, number]>; count?: number }>();
    const keyOf = (labels: Record<string, string>) =>
      JSON.stringify(
        Object.entries(labels)
          .filter(([name]) => name !== "le")
          .sort(),
      );
    for (const sample of samples) {
      const entry = series.get(keyOf(sample.labels)) ?? { buckets: [] };
      if (sample.name === `${family}_bucket`) entry.buckets.push([parseValue(sample.labels.le, `le of ${family}`), sample.value]);
      else if (sample.name === `${family}_count`) entry.count = sample.value;
      else continue;
      series.set(keyOf(sample.labels), entry);
    }
    for (const [key, entry] of series) {
      const sorted = [...entry.buckets].sort((a, b) => a[0] - b[0]);
      sorted.forEach(([, value], index) => {
        if (index && value < sorted[index - 1][1]) throw new Error(`${family}${key}: buckets fall`);
      });
      if (sorted.at(-1)?.[0] !== Infinity || sorted.at(-1)?.[1] !== entry.count) throw new Error(`${family}${key}: +Inf bucket missing or not equal to _count`);
    }
  }
}

/** The value of the one sample with this name whose labels include `labels`; undefined if none, an error if several. */
export function valueOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = exposition.samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}
