/**
 * The child's side of a helper process (shared/child.ts runs it): the job arrives as JSON on stdin
 * (secrets never go on the command line, where `ps` shows them), the result leaves as one
 * `BENCH_RESULT {...}` line on stdout. Only node:fs here: children that measure their own memory
 * load this before they take their baseline.
 */
import { readFileSync } from "node:fs";

export const RESULT_PREFIX = "BENCH_RESULT ";

export function readJob<T>(): T {
  return JSON.parse(readFileSync(0, "utf8")) as T;
}

export function resultLine(result: unknown): string {
  return `${RESULT_PREFIX}${JSON.stringify(result)}\n`;
}

/** Print the result line, then leave even if a handle keeps the loop alive. */
export function reportResult(result: unknown): void {
  process.stdout.write(resultLine(result), () => process.exit(0));
}

/** A child's main: an error is printed for the parent to show and ends the process with 1. */
export function runChildMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
