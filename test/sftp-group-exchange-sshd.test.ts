/**
 * Diffie-Hellman group exchange against a real OpenSSH server offering nothing else, configured like
 * the seed's legacy payer (ssh-rsa host key, aes256-cbc, hmac-md5): the server hands out an
 * 8192-bit group, as it does to OpenSSH's own client. Delivery and diagnosis both go through the
 * protocol worker threads, whose ssh2 runs our group exchange (lib/sftp/group-exchange.ts) — no
 * primality proof of the server's group, a 512-bit private exponent.
 */
import crypto from "node:crypto";
import { readFile, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateClientKeyPair, type ClientKeyPair } from "@/lib/sandbox/sftp-keys";
import { localSftpDestination } from "@/lib/sandbox/sftp-destination";
import { deliverToDestination } from "@/lib/transfers/delivery/engine";
import { Transcript } from "@/lib/transfers/transcript";
import { diagnoseOffThread } from "@/lib/workers/calls";
import { workerPools } from "@/lib/workers/registry";
import { createWorkerPools, stopWorkerPools } from "@/lib/workers/start";
import { replaceRuntimeParts } from "@/lib/runtime";
import { startLegacySshd, type LegacySshd } from "@/test/support/legacy-sshd";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

const { dataDir } = useTemporaryPortalEnv();
let partnerKey: ClientKeyPair;
let restorePools: (() => void) | undefined;

beforeAll(async () => {
  partnerKey = generateClientKeyPair();
  // One protocol thread, so the statistics read afterwards come from the thread that did the work.
  restorePools = replaceRuntimeParts({ workers: createWorkerPools({ relayConcurrency: 1 }) });
});
afterAll(async () => {
  const pools = workerPools();
  restorePools?.();
  await stopWorkerPools(pools);
});

type GexStats = { installed: boolean; exchanges: number; lastGroupBits: number; lastExponentBits: number };
const gexStats = () => workerPools().protocol.run<GexStats>("groupExchangeStats", null);

describe.each(["diffie-hellman-group-exchange-sha1", "diffie-hellman-group-exchange-sha256"] as const)("an sshd offering only %s", (kex) => {
  let sshd: LegacySshd;
  beforeAll(async () => {
    sshd = await startLegacySshd({ kex });
    await sshd.authorizeKey(partnerKey.publicKey);
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  const destination = () =>
    localSftpDestination(sshd, { remoteDir: sshd.incomingDir, algorithmProfile: "legacy", connectTimeoutMs: 5_000, idleTimeoutMs: 15_000 }).destination;
  const credentials = () => ({ username: sshd.username, password: sshd.password, privateKey: partnerKey.privateKey });

  it("delivers a file with password then key, and the transcript names the agreed algorithms", async () => {
    const before = await gexStats();
    expect(before.installed).toBe(true);
    const content = crypto.randomBytes(4096);
    const localPath = path.join(dataDir, `gex-${kex}.bin`);
    await writeFile(localPath, content);
    const remoteName = `S000000050A49-20261202-120000${kex.endsWith("sha1") ? "1" : "2"}T.TXT`;
    const transcript = new Transcript();

    const result = await deliverToDestination({ destination: destination(), credentials: credentials(), localPath, remoteName, transcript });

    expect(result.bytes).toBe(content.length);
    expect(result.negotiated).toMatchObject({ kex, cipher: "aes256-cbc", hostKeyAlgorithm: "ssh-rsa" });
    const text = transcript.toText();
    expect(text).toContain(`Agreed: kex ${kex}, host key ssh-rsa, cipher aes256-cbc, MAC hmac-md5`);
    expect(text).toMatch(/partial success/);
    expect(await readFile(path.join(sshd.incomingDir, remoteName))).toEqual(content);
    // The server's 8192-bit group went through our exchange: no primality proof, short exponent.
    const after = await gexStats();
    expect(after.exchanges).toBe(before.exchanges + 1);
    expect(after.lastGroupBits).toBe(8192);
    expect(after.lastExponentBits).toBe(512);
    for (const name of await readdir(sshd.incomingDir)) await rm(path.join(sshd.incomingDir, name), { force: true });
  });

  it("passes the staged diagnosis, each stage with its own duration", async () => {
    const result = await diagnoseOffThread({ destination: destination(), credentials: credentials(), allowPrivate: true, writeProbe: true });
    expect(result.headline).toMatch(/Connection test passed/);
    expect(result.ok).toBe(true);
    expect(result.negotiated).toMatchObject({ kex });
    const kexStage = result.stages.find((s) => s.key === "algorithms");
    // Passed, with a warning that SHA-1 and MD5 are weak: true of this payer, not a failure.
    expect(kexStage?.status).toBe("warning");
    expect(result.stages.map((s) => s.status).filter((status) => status !== "passed" && status !== "warning")).toEqual([]);
    for (const stage of result.stages) {
      expect(stage.durationMs).toBeGreaterThanOrEqual(0);
      expect(stage.durationMs).toBeLessThan(10_000);
    }
  });
});
