/**
 * A file an earlier attempt already put in place is recognised, not sent again: with the
 * reconcile flag (a retry after an interrupted or unrecorded attempt) the final name is checked
 * first; and a rename refused because the final name exists with our own bytes is success.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { localSftpDestination } from "@/lib/sandbox/sftp-destination";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import { generateClientKeyPair, type ClientKeyPair } from "@/lib/sandbox/sftp-keys";
import { sftpDriver } from "@/lib/sftp";
import { TransferError } from "@/lib/transfers/errors";
import { Transcript } from "@/lib/transfers/transcript";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

const { dataDir } = useTemporaryPortalEnv();
const root = path.join(dataDir, "payer");
const incoming = path.join(root, "incoming");
let payer: SandboxSftpServer;
let key: ClientKeyPair;

beforeAll(async () => {
  key = generateClientKeyPair();
  payer = await startSandboxSftpServer({ rootDir: root, users: [{ username: "clinic", password: "payer-Pa55word", publicKeys: [key.publicKey] }] });
});
afterAll(async () => {
  await payer?.close();
});
beforeEach(() => {
  payer.setFaults({});
  fs.rmSync(incoming, { recursive: true, force: true });
  fs.mkdirSync(incoming, { recursive: true });
});

function staged(bytes = 64 * 1024) {
  const content = crypto.randomBytes(bytes);
  const localPath = path.join(dataDir, `local-${crypto.randomUUID()}`);
  fs.writeFileSync(localPath, content);
  return { content, localPath, sha256: crypto.createHash("sha256").update(content).digest("hex") };
}

function deliver(file: ReturnType<typeof staged>, remoteName: string, options: { reconcile?: boolean } = {}) {
  const { destination, target } = localSftpDestination(payer);
  const transcript = new Transcript();
  const run = sftpDriver.deliver({
    destination,
    target,
    credentials: { username: "clinic", password: "payer-Pa55word", privateKey: key.privateKey },
    localPath: file.localPath,
    remoteName,
    transcript,
    expectedSha256: file.sha256,
    reconcile: options.reconcile,
  });
  return { run, transcript };
}

describe("recognising our own earlier delivery", () => {
  it("a retry finds the final file with the same size and SHA-256: nothing is sent, the stray temp file is removed", async () => {
    const file = staged();
    fs.writeFileSync(path.join(incoming, "CLAIMS.TXT"), file.content);
    fs.writeFileSync(path.join(incoming, "CLAIMS.TXT.part"), file.content.subarray(0, 1000));
    const before = fs.statSync(path.join(incoming, "CLAIMS.TXT")).mtimeMs;
    const { run, transcript } = deliver(file, "CLAIMS.TXT", { reconcile: true });
    const result = await run;
    expect(result.reconciled).toBe("size-and-sha256");
    expect(fs.readdirSync(incoming)).toEqual(["CLAIMS.TXT"]);
    expect(fs.statSync(path.join(incoming, "CLAIMS.TXT")).mtimeMs).toBe(before);
    expect(transcript.toText()).toMatch(/already on the server with the same size and SHA-256: an earlier attempt delivered it/);
    expect(transcript.toText()).toMatch(/Removed ".*CLAIMS.TXT.part" left by an earlier attempt/);
  });

  it("a retry that finds another file under the final name does not take it for ours", async () => {
    const file = staged();
    const other = crypto.randomBytes(file.content.length);
    fs.writeFileSync(path.join(incoming, "CLAIMS.TXT"), other);
    const { run, transcript } = deliver(file, "CLAIMS.TXT", { reconcile: true });
    // The sandbox, like many payer servers, renames with plain SFTP RENAME, which never replaces a file.
    await expect(run).rejects.toMatchObject({ code: "RENAME_REFUSED", detail: expect.stringMatching(/already exists/) });
    expect(fs.readFileSync(path.join(incoming, "CLAIMS.TXT"))).toEqual(other);
    expect(transcript.toText()).toMatch(/another SHA-256.*sending ours/);
  });

  it("a rename refused because the final name already holds our bytes is success", async () => {
    const file = staged();
    fs.writeFileSync(path.join(incoming, "CLAIMS.TXT"), file.content);
    const result = await deliver(file, "CLAIMS.TXT").run;
    expect(result.reconciled).toBeUndefined();
    expect(fs.readdirSync(incoming)).toEqual(["CLAIMS.TXT"]);
    expect(fs.readFileSync(path.join(incoming, "CLAIMS.TXT"))).toEqual(file.content);
  });

  it("a rename refused because another file has the final name stays an error that says so", async () => {
    const file = staged();
    fs.writeFileSync(path.join(incoming, "CLAIMS.TXT"), crypto.randomBytes(file.content.length));
    const error = await deliver(file, "CLAIMS.TXT").run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect(error).toMatchObject({ code: "RENAME_REFUSED", detail: expect.stringMatching(/already exists/) });
  });
});
