/**
 * An FTPS relay as the portal runs it: a `deliver` task on the protocol worker pool, where the
 * upload reads the staged file on the relay's own thread (lib/ftps/pooled-upload.ts). Sealed
 * files, resumed inside a segment and damaged, against the sandbox FTPS server.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSandboxCertificates } from "@/lib/sandbox/certificates";
import { startSandboxFtpsServer, type SandboxFtpsServer } from "@/lib/sandbox/ftps-server";
import { HEADER_BYTES, RECORD_OVERHEAD, SEGMENT_BYTES } from "@/lib/sealed-files/format";
import { newFileKey, writeSealedFile } from "@/lib/sealed-files/writer";
import type { TranscriptLine } from "@/lib/transfers/transcript";
import type { DeliveryResult } from "@/lib/transfers/types";
import type { RemoteTaskError } from "@/lib/workers/pool";
import type { WorkerPools } from "@/lib/workers/registry";
import { createWorkerPools, stopWorkerPools } from "@/lib/workers/start";
import type { DeliverArgs, ProtocolEvent } from "@/lib/workers/tasks";
import { freePortRange } from "@/test/support/vsftpd";
import { ftpsDestination, loopbackTarget, tempDir } from "@/test/ftps-fixtures";

const USER = { username: "partner01", password: "Sandbox-Pw-7731!" };
let server: SandboxFtpsServer;
let root: { dir: string; cleanup: () => Promise<void> };
let local: { dir: string; cleanup: () => Promise<void> };
let pools: WorkerPools;
let args: (localPath: string, remoteName: string, key: Buffer) => DeliverArgs;

beforeAll(async () => {
  const certs = await generateSandboxCertificates();
  root = await tempDir("ftps-thread-root-");
  local = await tempDir("ftps-thread-local-");
  const range = await freePortRange(8);
  server = await startSandboxFtpsServer({ rootDir: root.dir, mode: "explicit", users: [USER], certificate: certs.wildcard, passivePortRange: range });
  pools = createWorkerPools({ relayConcurrency: 1 });
  const destination = ftpsDestination({ mode: "explicit", port: server.port, tls: { mode: "ca", caPem: certs.ca.certPem }, passivePortRange: range });
  args = (localPath, remoteName, key) => ({ destination, target: loopbackTarget(server.port), credentials: USER, localPath, localFileKey: key, remoteName, secrets: [USER.password] });
});
afterAll(async () => {
  await stopWorkerPools(pools);
  await server?.close();
  await root?.cleanup();
  await local?.cleanup();
});

async function sealedFile(name: string, plaintext: Buffer): Promise<{ path: string; key: Buffer }> {
  const key = newFileKey();
  const file = path.join(local.dir, name);
  await writeSealedFile(file, key, plaintext);
  return { path: file, key };
}

describe("an FTPS relay on a protocol thread", () => {
  it("delivers a sealed file exactly, continuing a partial temp file from inside a segment", async () => {
    const plaintext = randomBytes(3 * 1024 * 1024 + 777);
    const staged = await sealedFile("claims.staged", plaintext);
    await writeFile(path.join(root.dir, "claims.x12.part"), plaintext.subarray(0, SEGMENT_BYTES + 4321));
    const lines: TranscriptLine[] = [];
    const result = await pools.protocol.run<DeliveryResult>("deliver", args(staged.path, "claims.x12", staged.key), {
      onEvent: (event) => void ((event as ProtocolEvent).kind === "line" && lines.push((event as Extract<ProtocolEvent, { kind: "line" }>).line)),
    });

    expect(result.resumedFromByte).toBe(SEGMENT_BYTES + 4321);
    expect((await readFile(path.join(root.dir, "claims.x12"))).equals(plaintext)).toBe(true);
    expect(lines.map((l) => l.message)).toContain("APPE claims.x12.part");
  });

  it("stops at a damaged segment with STAGED_FILE_DAMAGED, and nothing reaches the final name", async () => {
    const plaintext = randomBytes(2 * 1024 * 1024);
    const staged = await sealedFile("damaged.staged", plaintext);
    const sealed = await readFile(staged.path);
    sealed[HEADER_BYTES + 3 * (SEGMENT_BYTES + RECORD_OVERHEAD) + 99] ^= 0x01;
    await writeFile(staged.path, sealed);

    const failure = await pools.protocol.run("deliver", args(staged.path, "damaged.x12", staged.key)).then(
      () => undefined,
      (error: unknown) => error as RemoteTaskError,
    );
    expect(failure?.serialized.code).toBe("STAGED_FILE_DAMAGED");
    expect(existsSync(path.join(root.dir, "damaged.x12"))).toBe(false);
    const partPath = path.join(root.dir, "damaged.x12.part");
    if (existsSync(partPath)) {
      const sent = await readFile(partPath);
      expect(sent.length).toBeLessThanOrEqual(3 * SEGMENT_BYTES);
      expect(sent.equals(plaintext.subarray(0, sent.length))).toBe(true);
    }
  });
});
