/**
 * The demo sandbox payers build their TA1/999/277CA on a protocol worker thread (the portal's
 * runtime passes answerSandboxSubmissionOffThread, lib/runtime/start.ts): reading a large 837 is
 * seconds of CPU, which on the portal's own event loop stalled every page (15 s for a 22 MB file in
 * the browser tests). Real worker threads, a real file.
 */
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { replaceRuntimeParts } from "@/lib/runtime";
import { answerFileNames, createPayerResponder } from "@/lib/sandbox/payer-responder";
import { answerSandboxSubmissionOffThread } from "@/lib/workers/calls";
import { workerPools } from "@/lib/workers/registry";
import { createWorkerPools, stopWorkerPools } from "@/lib/workers/start";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

useTemporaryPortalEnv();
let restorePools: (() => void) | undefined;
let workDir: string;

beforeAll(async () => {
  restorePools = replaceRuntimeParts({ workers: createWorkerPools({ relayConcurrency: 1 }) });
  workDir = await mkdtemp(path.join(os.tmpdir(), "sandbox-answers-"));
});
afterAll(async () => {
  const pools = workerPools();
  restorePools?.();
  await stopWorkerPools(pools);
  await rm(workDir, { recursive: true, force: true });
});

/** An 837 of about `segments` × 18 bytes: one claim's envelope padded with patient segments, as the browser tests send. */
function large837(segments: number): string {
  const isa = `ISA*00*          *00*          *ZZ*${"000000050".padEnd(15)}*ZZ*RECEIVER       *261121*1030*^*00501*000000001*0*P*:~`;
  return `${isa}GS*HC*000000050*RECEIVER*20261121*1030*1*X*005010X222A1~ST*837*0001~REF*F8*${randomUUID()}~${"NM1*IL*1*DOE*JANE~".repeat(segments)}SE*4*0001~GE*1*1~IEA*1*000000001~`;
}

it("a large submission is answered on a protocol thread, with the same answers as in this thread", async () => {
  const incoming = path.join(workDir, "incoming");
  await mkdir(incoming, { recursive: true });
  const submission = path.join(incoming, "S000000050-20261121-103000P.TXT");
  await writeFile(submission, large837(200_000));
  const completedBefore = workerPools().protocol.stats().completed;

  const offThread = createPayerResponder({ delayMs: 0, answer: answerSandboxSubmissionOffThread });
  offThread.fileArrived(submission, path.join(workDir, "outbound-off-thread"));
  await new Promise((resolve) => setTimeout(resolve, 10));
  await offThread.close();
  expect(workerPools().protocol.stats().completed).toBe(completedBefore + 1);

  const inThread = createPayerResponder({ delayMs: 0 });
  inThread.fileArrived(submission, path.join(workDir, "outbound-in-thread"));
  await new Promise((resolve) => setTimeout(resolve, 10));
  await inThread.close();
  expect(workerPools().protocol.stats().completed).toBe(completedBefore + 1);

  const names = answerFileNames(path.basename(submission));
  // The SE count is off (as in the browser tests' file): the envelope reader refuses the set, so the payer answers with a TA1.
  const written = (await readdir(path.join(workDir, "outbound-off-thread"))).sort();
  expect(written).toContain(names.ta1);
  expect(written).toEqual((await readdir(path.join(workDir, "outbound-in-thread"))).sort());
});
