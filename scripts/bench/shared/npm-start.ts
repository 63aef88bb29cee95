import { readFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./paths";

/** Exactly what `npm start` runs (package.json), minus the `node` itself: the flags are part of what is measured. */
export function npmStartArguments(): string[] {
  const start = (JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
  const [command, ...args] = start.split(/\s+/);
  if (command !== "node") throw new Error(`the benchmarks expect "npm start" to run node, not: ${start}`);
  return args;
}

/** The flags `npm start` gives node, without its script: for a helper process that runs portal code as the portal would. */
export function npmStartNodeFlags(): string[] {
  return npmStartArguments().filter((arg) => arg.startsWith("--"));
}
