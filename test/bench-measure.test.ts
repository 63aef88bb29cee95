/**
 * The engine benchmark's interleaved rounds (scripts/bench/engine/measure.ts) with contenders that
 * land real files in a temporary landing directory, as sshd and vsftpd do: a reference client's
 * failed run is run once more and reported, its leftovers removed first; a second failure in a row,
 * any portal failure and any error that is not a measured failure end the run.
 */
import { randomBytes } from "node:crypto";
import { copyFile, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { measureInterleaved, REMOTE_PREFIX, removeBenchFiles, type Contender, type Payload } from "@/scripts/bench/engine/measure";
import type { BenchServer } from "@/scripts/bench/engine/servers";
import { BenchFailure } from "@/scripts/bench/shared/errors";
import { sha256OfFile } from "@/scripts/bench/shared/payload";

let landingDir: string;
let payload: Payload;
let server: BenchServer;

beforeEach(async () => {
  landingDir = await mkdtemp(path.join(os.tmpdir(), "bench-measure-"));
  const source = path.join(landingDir, "source.bin");
  await writeFile(source, randomBytes(4096));
  payload = { path: source, bytes: 4096, sha256: await sha256OfFile(source) };
  server = { label: "test payer", landingDir } as BenchServer;
  // The rounds' progress lines, which the benchmark prints as it goes.
  vi.spyOn(console, "log").mockImplementation(() => undefined);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(landingDir, { recursive: true, force: true });
});

/** A contender that lands the payload under its remote name, failing on the calls `failOn` lists (1-based). */
function contender(key: string, options: { reference?: boolean; failOn?: number[]; failWith?: () => Error } = {}) {
  let calls = 0;
  const sent: string[] = [];
  const c: Contender & { sent: string[] } = {
    key,
    label: key,
    payload,
    reference: options.reference,
    sent,
    async send(remoteName) {
      calls++;
      sent.push(remoteName);
      if (options.failOn?.includes(calls)) {
        // A half-written upload left behind, as a client cut off mid-transfer leaves one.
        await writeFile(path.join(landingDir, `${remoteName}.part`), randomBytes(100));
        throw options.failWith?.() ?? new BenchFailure(`${key} to port 2121 failed (exit 56)`, "* connected\ncurl: (56) Failure reading network stream\n");
      }
      await copyFile(payload.path, path.join(landingDir, remoteName));
      return { elapsedMs: 10, bytes: payload.bytes, cpuMs: 5 };
    },
  };
  return c;
}

const benchFiles = async () => (await readdir(landingDir)).filter((name) => name.startsWith(REMOTE_PREFIX));

describe("measureInterleaved", () => {
  it("runs a reference client's failed run once more, reports it, and counts only the runs that landed", async () => {
    const portal = contender("portal");
    const curl = contender("curl", { reference: true, failOn: [2] });
    const { runs, repeated } = await measureInterleaved(server, [portal, curl], 3);
    expect(runs.get("portal")).toHaveLength(3);
    expect(runs.get("curl")).toHaveLength(3);
    expect(repeated).toEqual([{ client: "curl", round: 2, reason: "curl to port 2121 failed (exit 56): curl: (56) Failure reading network stream" }]);
    // The repeat went to the same remote name, after the failed run's leftovers were removed.
    expect(curl.sent).toEqual([`${REMOTE_PREFIX}curl-1.bin`, `${REMOTE_PREFIX}curl-2.bin`, `${REMOTE_PREFIX}curl-2.bin`, `${REMOTE_PREFIX}curl-3.bin`]);
    expect(await benchFiles()).toEqual([]);
  });

  it("ends the run when the same reference run fails twice", async () => {
    const curl = contender("curl", { reference: true, failOn: [2, 3] });
    await expect(measureInterleaved(server, [contender("portal"), curl], 3)).rejects.toThrow("curl to port 2121 failed (exit 56)");
  });

  it("never repeats a portal run: its failure ends the run", async () => {
    const portal = contender("portal", { failOn: [1] });
    await expect(measureInterleaved(server, [portal, contender("curl", { reference: true })], 3)).rejects.toBeInstanceOf(BenchFailure);
    expect(portal.sent).toHaveLength(1);
  });

  it("does not repeat a reference run that failed for another reason than a failed transfer", async () => {
    const curl = contender("curl", { reference: true, failOn: [1], failWith: () => new TypeError("a bug in the benchmark") });
    await expect(measureInterleaved(server, [curl], 2)).rejects.toThrow("a bug in the benchmark");
    expect(curl.sent).toHaveLength(1);
  });

  it("removes only the named runs' leftovers when asked, every bench file otherwise", async () => {
    for (const name of ["bench-sftp-c1-1.bin", "bench-sftp-c1-1.bin.part", "bench-sftp-c1-10.bin", "bench-curl-2.bin"]) await writeFile(path.join(landingDir, name), "x");
    await removeBenchFiles(landingDir, ["bench-sftp-c1-1.bin"]);
    expect((await benchFiles()).sort()).toEqual(["bench-curl-2.bin", "bench-sftp-c1-10.bin"]);
    await removeBenchFiles(landingDir);
    expect(await benchFiles()).toEqual([]);
    expect(await readdir(landingDir)).toEqual(["source.bin"]);
  });
});
