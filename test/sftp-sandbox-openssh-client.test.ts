/**
 * The sandbox must serve OpenSSH's own sftp client too (the benchmark compares against it):
 * password then key, upload, rename, listing, download.
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { generateClientKeyPair } from "@/lib/sandbox/sftp-keys";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";

const SFTP = "/usr/bin/sftp";
let workDir: string;
let server: SandboxSftpServer;
let keyPath: string;
let askpassPath: string;

beforeAll(async () => {
  if (!existsSync(SFTP)) throw new Error(`${SFTP} not found: install openssh-client to run this test.`);
  workDir = await mkdtemp(path.join(os.tmpdir(), "sftp-openssh-client-"));
  const keys = generateClientKeyPair();
  keyPath = path.join(workDir, "id_rsa");
  await writeFile(keyPath, keys.privateKey, { mode: 0o600 });
  // ssh reads the password from an askpass program: there is no terminal here.
  askpassPath = path.join(workDir, "askpass.sh");
  await writeFile(askpassPath, "#!/bin/sh\necho 'openssh-client-pw'\n", { mode: 0o700 });
  server = await startSandboxSftpServer({
    rootDir: path.join(workDir, "root"),
    users: [{ username: "partner", password: "openssh-client-pw", publicKeys: [keys.publicKey] }],
  });
});

afterAll(async () => {
  await server?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function runSftp(commands: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      SFTP,
      [
        "-o", "StrictHostKeyChecking=no",
        "-o", `UserKnownHostsFile=${path.join(workDir, "known_hosts")}`,
        "-o", "IdentitiesOnly=yes",
        "-i", keyPath,
        "-P", String(server.port),
        "partner@127.0.0.1",
      ],
      { env: { ...process.env, SSH_ASKPASS: askpassPath, SSH_ASKPASS_REQUIRE: "force", DISPLAY: ":0" }, timeout: 20_000 },
      (error, stdout, stderr) => (error ? reject(Object.assign(error, { stderr })) : resolve({ stdout, stderr })),
    );
    child.stdin!.end(commands);
  });
}

it("serves OpenSSH's sftp client: upload, rename, list, download", async () => {
  const content = randomBytes(1_500_000);
  const upload = path.join(workDir, "upload.bin");
  const download = path.join(workDir, "download.bin");
  await writeFile(upload, content);
  const { stdout } = await runSftp(
    [`cd incoming`, `put ${upload} claim.x12.part`, `rename claim.x12.part claim.x12`, `ls -l`, `get claim.x12 ${download}`, `bye`, ""].join("\n"),
  );
  expect(stdout).toMatch(/claim\.x12/);
  const digest = (data: Buffer) => createHash("sha256").update(data).digest("hex");
  expect(digest(await readFile(path.join(workDir, "root", "incoming", "claim.x12")))).toBe(digest(content));
  expect(digest(await readFile(download))).toBe(digest(content));
});
