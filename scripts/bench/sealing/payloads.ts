/** The sealing suite's files: a sealed copy of a payload, and payer response files (277CA) of a given size. */
import { createReadStream, createWriteStream } from "node:fs";
import { open, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { pipeline } from "node:stream/promises";
import { SealingStream } from "@/lib/sealed-files/writer";
import { buildSample837 } from "@/lib/sandbox/sample-837";
import { buildPayerAnswers } from "@/lib/sandbox/x12-answers";
import { MiB } from "../shared/stats";

/** `plainPath` sealed under `key` into `sealedPath`, as stageRequestBody stages an API upload (SealingStream, header first). */
export async function writeSealedCopy(plainPath: string, sealedPath: string, key: Buffer): Promise<void> {
  await pipeline(createReadStream(plainPath, { highWaterMark: MiB }), new SealingStream(key, { header: true }), createWriteStream(sealedPath, { flags: "wx", mode: 0o600 }));
}

/** On disk before anything is timed: the first runs must not share the disk with the writeback of what was just written. */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface ResponseFile {
  path: string;
  bytes: number;
  sha256: string;
  claims: number;
}

const CLAIMS_PER_INTERCHANGE = 2_000;

/**
 * A 277CA claim acknowledgement as the sandbox payer writes it (lib/sandbox/x12-answers.ts), for a
 * submission of 2,000 claims (~280 KB), its interchange repeated until the file holds at least
 * `minBytes`: a big payer response file that the X12 parser reads as one 277CA.
 */
export async function writeResponseFiles(targets: Array<{ path: string; minBytes: number }>): Promise<ResponseFile[]> {
  const claims = Array.from({ length: CLAIMS_PER_INTERCHANGE }, (_, i) => ({ patientControlNumber: `BENCH${String(i).padStart(6, "0")}`, charge: "125.00" }));
  const submission = buildSample837({ submitterId: "BENCHSUBMITTER", receiverId: "BENCHPAYER", interchangeControlNumber: 1, claims });
  const answers = await buildPayerAnswers(submission, { now: new Date("2026-12-01T12:00:00Z") });
  if (!answers?.claimAck277) throw new Error("the sandbox payer wrote no 277CA for the bench submission");
  const interchange = Buffer.from(answers.claimAck277, "latin1");
  const files: ResponseFile[] = [];
  for (const target of targets) {
    const repeats = Math.max(1, Math.ceil(target.minBytes / interchange.length));
    const content = Buffer.concat(Array.from({ length: repeats }, () => interchange));
    await writeFile(target.path, content, { mode: 0o600 });
    files.push({ path: target.path, bytes: content.length, sha256: createHash("sha256").update(content).digest("hex"), claims: repeats * CLAIMS_PER_INTERCHANGE });
  }
  return files;
}
