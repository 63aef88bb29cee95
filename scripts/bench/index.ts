/**
 * `npm run bench [-- <suite> ...]`: the benchmarks, each writing its own part of docs/benchmarks.md.
 *
 *   engine     the portal's transfer engine beside OpenSSH sftp and curl, against real and sandbox
 *              SFTP/FTPS servers (scripts/bench/engine/; `npm run bench:engine`)
 *   pipeline   the real portal: browser and API uploads relayed end to end, its memory, the history
 *              query, responsiveness under load (scripts/bench/pipeline/; `npm run bench:pipeline`)
 *   fairness   small files to one payer while another sits behind a slow link
 *              (scripts/bench/fairness/; `npm run bench:fairness`)
 *   sealing    what sealing staged files at rest costs (issue #21): the relay, the API intake and
 *              the response pickup, each plain and sealed (scripts/bench/sealing/; `npm run bench -- sealing`)
 *   cluster    aggregate API-upload throughput with one and two web instances on PostgreSQL
 *              (scripts/bench/cluster/; `npm run bench:cluster`, needs DATABASE_URL)
 *
 * No name runs them all in that order (cluster only with DATABASE_URL). One suite runs in this process; several run one after the
 * other, each in a process of its own (its own cleanup, signal handling and CPU figures): a failed
 * suite does not keep the next from running, an interrupted one stops the run, and the exit code is
 * the first failure's. Each suite's knobs are environment variables, read by its config.
 */
import type { ChildProcess } from "node:child_process";
import { runAttached } from "./shared/child";
import type { Suite } from "./shared/suite";
import { runSuite } from "./shared/suite";

// Loaded only when chosen: each suite loads what it measures, and the fairness suite must set the
// environment before the portal's modules read it.
const SUITES: Record<string, () => Promise<Suite>> = {
  engine: async () => (await import("./engine/run")).engineSuite,
  pipeline: async () => (await import("./pipeline/run")).pipelineSuite,
  fairness: async () => (await import("./fairness/run")).fairnessSuite,
  sealing: async () => (await import("./sealing/run")).sealingSuite,
  cluster: async () => (await import("./cluster/run")).clusterSuite,
};

const USAGE = `usage: npm run bench [-- ${Object.keys(SUITES).join("|")} ...]   (no name: all of them, in this order)`;

async function runOne(name: string): Promise<number> {
  return runSuite(await SUITES[name]());
}

/** Each suite in its own process; Ctrl-C reaches the running one too, which cleans up and ends the run. */
async function runInTurn(names: string[]): Promise<number> {
  let current: ChildProcess | undefined;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    stopping = true;
    // The terminal's Ctrl-C reached it already; a suite ignores the repeat. A `kill` of this process did not.
    current?.kill(signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const failed: string[] = [];
  let exitCode = 0;
  for (const name of names) {
    if (stopping) break;
    const { child, exited } = runAttached(__filename, [name]);
    current = child;
    const code = await exited;
    current = undefined;
    if (code === 0) continue;
    failed.push(`${name} (exit ${code})`);
    exitCode ||= code;
    if (code >= 128) stopping = true; // interrupted or killed
  }
  if (failed.length) console.error(`bench: failed: ${failed.join(", ")}`);
  return exitCode;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.some((arg) => arg === "-h" || arg === "--help")) {
    console.log(USAGE);
    return 0;
  }
  const unknown = args.filter((arg) => !Object.hasOwn(SUITES, arg));
  if (unknown.length) {
    console.error(`bench: no suite named ${unknown.map((name) => `"${name}"`).join(", ")}\n${USAGE}`);
    return 2;
  }
  // The cluster suite needs PostgreSQL: without DATABASE_URL a full run leaves it out, saying so.
  const everything = Object.keys(SUITES).filter((name) => name !== "cluster" || process.env.DATABASE_URL);
  if (!args.length && everything.length < Object.keys(SUITES).length) console.log("bench: cluster skipped (it needs DATABASE_URL=postgres://…)");
  const names = args.length ? [...new Set(args)] : everything;
  return names.length === 1 ? runOne(names[0]) : runInTurn(names);
}

// Everything a suite started has been stopped by now; a client library's idle socket must not keep us here.
void main().then((code) => process.exit(code));
