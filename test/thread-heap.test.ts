import { execFile, spawn } from "node:child_process";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { npmStartNodeFlags } from "@/scripts/bench/shared/npm-start";

const ROOT = path.resolve(__dirname, "..");
const PROBE = path.join(ROOT, "test", "support", "thread-heap-probe.ts");
const REDUCER_PROBE = path.join(ROOT, "test", "support", "memory-reducer-probe.ts");

/**
 * Full collections one thread ran for 512 MiB of short-lived decrypted records, in a fresh process
 * started with npm start's flags; `afterPortalThread`: once the portal's pool has started a thread
 * (so the test fails if lib/workers/start.ts stops applying the setting).
 */
async function fullCollections(afterPortalThread: boolean): Promise<number> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...npmStartNodeFlags(), "--require", path.join(ROOT, "scripts", "server-only-shim.cjs"), "--import", "tsx", PROBE, ...(afterPortalThread ? ["pool"] : [])],
    { cwd: ROOT, timeout: 60_000 },
  );
  return (JSON.parse(stdout.trim().split("\n").pop()!) as { fullCollections: number }).fullCollections;
}

describe("the portal's threads' heap (lib/workers/thread-heap.ts)", () => {
  it("lets a thread's short-lived decrypted records go without full collections, where V8's defaults run several", async () => {
    // Before the portal starts a thread, V8's defaults count the records against a small heap's
    // old-generation limit: the probe shows the problem exists, so the second half cannot pass by accident.
    // (2 to 10 full collections without it across 30 runs on this 2-core machine; 0 with it, every time.)
    const withDefaults = await fullCollections(false);
    expect(withDefaults).toBeGreaterThanOrEqual(2);
    const withSetting = await fullCollections(true);
    expect(withSetting).toBeLessThanOrEqual(1);
    expect(withSetting).toBeLessThan(withDefaults);
  }, 60_000);
});

/**
 * Runs memory-reducer-probe.ts in `mode` with V8's GC tracing (written by V8 to the process's
 * standard output, here a file, so no line is lost to a full pipe) and says, for the isolate whose
 * heap the probe grew past 100 MB, whether V8's memory reducer acted on it while it sat idle.
 */
async function memoryReducerRan(mode: string): Promise<boolean> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "edi-reducer-probe-"));
  try {
    const out = await open(path.join(dir, "trace.txt"), "w");
    const child = spawn(
      process.execPath,
      [...npmStartNodeFlags(), "--trace-gc", "--trace-gc-verbose", "--require", path.join(ROOT, "scripts", "server-only-shim.cjs"), "--import", "tsx", REDUCER_PROBE, mode],
      { cwd: ROOT, stdio: ["ignore", out.fd, "pipe"] },
    );
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    await out.close();
    expect(code, stderr).toBe(0);
    const lines = (await readFile(path.join(dir, "trace.txt"), "utf8")).split("\n");
    // "[pid:0xisolate]  1084 ms: Mark-Compact 180.5 (208.2) -> 41.4 (77.6) MB, ...": the isolate whose heap held over 100 MB.
    const grown = new Set(lines.flatMap((line) => {
      const gc = /^\[\d+:(0x[0-9a-f]+)\]\s+[\d.]+ ms: (?:Scavenge|Mark-Compact|Mark-sweep)\D*([\d.]+) \(/.exec(line);
      return gc && Number(gc[2]) > 100 ? [gc[1]] : [];
    }));
    expect(grown.size, `one isolate grew (${mode})`).toBe(1);
    const [isolate] = grown;
    return lines.some((line) => line.startsWith("[") && line.includes(`:${isolate}]`) && line.includes("Memory reducer:"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("V8's memory reducer on the portal's threads (lib/workers/thread-heap.ts)", () => {
  it("is off for a thread started by the portal, so its optimized code outlives a quiet spell, and stays on for the page thread", async () => {
    const [defaults, portalThread, pageThread] = await Promise.all([
      memoryReducerRan("thread-defaults"),
      memoryReducerRan("thread-portal"),
      memoryReducerRan("main-portal"),
    ]);
    // V8's defaults: the reducer acts on an idle thread whose heap grew (the probe can see it at all).
    expect(defaults).toBe(true);
    expect(portalThread).toBe(false);
    expect(pageThread).toBe(true);
  }, 60_000);
});
