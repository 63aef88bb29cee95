/**
 * One intake or pickup measurement of the sealing suite in a fresh process (like the engine's relay
 * child), so its CPU figure is the measured code's and nothing else's. Job as JSON on stdin, result
 * as one `BENCH_RESULT {...}` line (shared/child-job.ts). Both variants load the same modules
 * before anything is timed. Run by run.ts, not by hand.
 */
import { createReadStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { openStagedFile } from "@/lib/sealed-files/reader";
import { newFileKey } from "@/lib/sealed-files/writer";
import { StagingBatch } from "@/lib/responses/pickup-staging";
import { stageRequestBody } from "@/lib/transfers/intake/stage-body";
import { newStagingKey, stagingPath } from "@/lib/transfers/staging/files";
import { parseResponseFile } from "@/lib/x12/parse-response";
import { readJob, reportResult, runChildMain } from "../shared/child-job";
import { startCpuClock } from "../shared/cpu-time";
import type { IntakeJob, IntakeResult, LocalJob, PickupJob, PickupResult, Timed } from "./local-protocol";
import { PlainStagedDownload, stagePlainBody } from "./plain-baselines";

/** An HTTP request body arrives in socket-sized pieces; 64 KiB is what Node's HTTP server hands on from a fast loopback socket. */
const BODY_CHUNK_BYTES = 64 * 1024;
/** What the SFTP pickup reads with (lib/sftp/pickup.ts) and what parsePickedUpFiles reads back with. */
const PICKUP_CHUNK_BYTES = 256 * 1024;

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; timing: Timed }> {
  const cpu = startCpuClock();
  const started = performance.now();
  const value = await work();
  return { value, timing: { elapsedMs: performance.now() - started, cpuMs: cpu() } };
}

function fail(message: string): never {
  throw new Error(message);
}

async function measureIntake(job: IntakeJob): Promise<IntakeResult> {
  const stagingKey = newStagingKey();
  const file = stagingPath(stagingKey);
  const fileKey = newFileKey();
  const body = Readable.toWeb(createReadStream(job.sourcePath, { highWaterMark: BODY_CHUNK_BYTES })) as unknown as ReadableStream<Uint8Array>;
  const { value: staged, timing } = await timed(() =>
    job.variant === "sealed" ? stageRequestBody(body, stagingKey, fileKey, job.bytes) : stagePlainBody(body, file, job.bytes),
  );
  if (staged.size !== job.bytes || staged.sha256 !== job.sha256) fail(`intake (${job.variant}) staged ${staged.size} bytes with another SHA-256 than the source`);
  const onDiskBytes = (await stat(file)).size;
  // The staged file must read back as the body it was sent as (a sealed one with its key only).
  const reader = await openStagedFile(file, job.variant === "sealed" ? fileKey : null);
  const size = reader.size;
  await reader.close();
  if (size !== job.bytes || reader.sealed !== (job.variant === "sealed")) fail(`intake (${job.variant}) left a file that reads back as ${size} bytes, sealed=${reader.sealed}`);
  await rm(file, { force: true });
  return { ...timing, onDiskBytes };
}

async function drain(file: string, key: Buffer | null, expectedBytes: number): Promise<void> {
  const reader = await openStagedFile(file, key);
  let bytes = 0;
  try {
    for await (const chunk of reader.stream({ blockBytes: PICKUP_CHUNK_BYTES })) bytes += (chunk as Buffer).length;
  } finally {
    await reader.close();
  }
  if (bytes !== expectedBytes) fail(`read back ${bytes} of ${expectedBytes} bytes`);
}

async function measurePickup(job: PickupJob): Promise<PickupResult> {
  const directory = path.join(job.stagingRoot, "responses", "2026-12");
  let finalPath = "";
  let fileKey: Buffer | null = null;
  const source = () => createReadStream(job.sourcePath, { highWaterMark: PICKUP_CHUNK_BYTES });
  const copy = async (sink: Writable) => pipeline(source(), sink);

  // The download into the staging store: open the `.part` file, stream into the sink, sync, rename.
  const download = await timed(async () => {
    if (job.variant === "sealed") {
      const staged = await new StagingBatch(job.stagingRoot, "responses/2026-12").create();
      await copy(staged.sink(job.bytes));
      if (staged.bytes !== job.bytes) fail(`pickup download took ${staged.bytes} of ${job.bytes} bytes`);
      const sha256 = await staged.commit();
      finalPath = path.join(job.stagingRoot, staged.stagingKey);
      fileKey = staged.fileKey;
      return sha256;
    }
    const staged = await PlainStagedDownload.create(directory);
    await copy(staged.sink(job.bytes));
    if (staged.bytes !== job.bytes) fail(`pickup download took ${staged.bytes} of ${job.bytes} bytes`);
    const sha256 = await staged.commit();
    finalPath = staged.finalPath;
    return sha256;
  });
  if (download.value !== job.sha256) fail(`pickup (${job.variant}): the staged file's SHA-256 differs from the source's`);
  const onDiskBytes = (await stat(finalPath)).size;

  // Read back whole, as the portal streams a response file (decrypting when sealed), the bytes dropped.
  const readBack = await timed(() => drain(finalPath, fileKey, job.bytes));
  await rm(finalPath, { force: true });

  // parsePickedUpFiles: open, stream through the X12 parser, close.
  const parseKey = job.parse.key ? Buffer.from(job.parse.key, "base64") : null;
  const parse = await timed(async () => {
    const staged = await openStagedFile(job.parse.path, parseKey);
    try {
      return await parseResponseFile(staged.stream({ blockBytes: PICKUP_CHUNK_BYTES }));
    } finally {
      await staged.close();
    }
  });
  const parsed = parse.value;
  if (parsed.kind !== "277CA" || parsed.summary.claims !== job.parse.claims) fail(`the response file parsed as ${parsed.kind}${parsed.kind === "277CA" ? ` with ${parsed.summary.claims} claims` : ""}, expected a 277CA with ${job.parse.claims}`);
  return { download: download.timing, readBack: readBack.timing, parse: parse.timing, onDiskBytes };
}

runChildMain(async () => {
  const job = readJob<LocalJob>();
  reportResult(job.kind === "intake" ? await measureIntake(job) : await measurePickup(job));
});
