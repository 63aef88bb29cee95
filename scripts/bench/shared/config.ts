/** Reading the suites' knobs from the environment (each suite's config.ts names its own). */
import { BenchSetupError } from "./errors";

/** An integer knob: unset or empty gives `fallback`, anything else must be a whole number from 1 to `max`. */
export function positiveInteger(name: string, fallback: number, max?: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || (max !== undefined && value > max)) {
    throw new BenchSetupError(`${name} must be ${max === undefined ? "a positive integer" : `an integer from 1 to ${max}`}, got "${raw}".`);
  }
  return value;
}

/** A comma-separated choice among `allowed` (unset: all of them), returned in `allowed`'s order. */
export function subsetFromEnv<T extends string>(name: string, allowed: readonly T[]): T[] {
  const raw = process.env[name];
  if (!raw) return [...allowed];
  const chosen = raw.split(",").map((part) => part.trim()).filter(Boolean);
  const unknown = chosen.filter((part) => !(allowed as readonly string[]).includes(part));
  if (unknown.length || chosen.length === 0) throw new BenchSetupError(`${name} lists ${allowed.join(", ")} (comma separated), got "${raw}".`);
  return allowed.filter((item) => chosen.includes(item));
}
