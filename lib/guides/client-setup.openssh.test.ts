/**
 * The OpenSSH commands on the client setup page, run exactly as printed (only "~/.ssh/" is pointed
 * at a temp dir) against a real sshd that offers nothing but the seed payer's legacy algorithms.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DestinationSpec } from "@/lib/transfers/types";
import { startLegacySshd, type LegacySshd } from "@/test/support/legacy-sshd";
import { clientSetup } from "@/lib/guides/client-setup";

let server: LegacySshd;
let workDir: string;
let askpass: string;

beforeAll(async () => {
  server = await startLegacySshd();
  workDir = await mkdtemp(path.join(os.tmpdir(), "guides-openssh-"));
  // ssh asks both questions through the askpass program: the host key question is answered
  // "yes" only when it shows the fingerprint we expect, as a careful person would.
  askpass = path.join(workDir, "askpass.sh");
  await writeFile(
    askpass,
    [
      "#!/bin/sh",
      'case "$1" in',
      '  *yes/no*) case "$1" in *"$EXPECTED_FINGERPRINT"*) echo yes ;; *) echo no ;; esac ;;',
      '  *assword*) printf "%s\\n" "$SFTP_PASSWORD" ;;',
      "  *) echo ;;",
      "esac",
      "",
    ].join("\n"),
    { mode: 0o700 },
  );
  await writeFile(path.join(workDir, "CLAIMS.txt"), "ISA*00*          *00*          *ZZ*SUBMITTER~\n");
});

afterAll(async () => {
  await server?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function destination(overrides: Partial<DestinationSpec> = {}): DestinationSpec {
  return {
    id: "legacy",
    name: "Legacy Payer",
    protocol: "sftp",
    host: server.host,
    port: server.port,
    remoteDir: server.incomingDir,
    auth: "password_and_key",
    algorithmProfile: "legacy",
    hostKeyFingerprints: [server.hostKeyFingerprint],
    tls: { mode: "ca" },
    uploadStrategy: "temp_then_rename",
    tempSuffix: ".part",
    connectTimeoutMs: 10_000,
    idleTimeoutMs: 30_000,
    ...overrides,
  };
}

function run(command: string, expectedFingerprint: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const local = command.replaceAll("~/.ssh/", `${workDir}/`);
  return new Promise((resolve) => {
    execFile(
      "bash",
      ["-c", local],
      {
        cwd: workDir,
        timeout: 30_000,
        env: {
          ...process.env,
          SSH_ASKPASS: askpass,
          SSH_ASKPASS_REQUIRE: "force",
          DISPLAY: ":0",
          EXPECTED_FINGERPRINT: expectedFingerprint,
          SFTP_PASSWORD: server.password,
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("OpenSSH commands against a legacy-only payer", () => {
  beforeAll(async () => {
    // The key file name the setup page suggests, in the temp dir.
    const keyPath = path.join(workDir, "legacy_payer_rsa");
    execFileSync("ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "partner", "-f", keyPath]);
    await server.authorizeKey(await readFile(`${keyPath}.pub`, "utf8"));
  });

  it("uploads with the printed scripted command, after checking the pinned host key", async () => {
    const setup = clientSetup(destination(), { username: server.username, egressIps: [] });
    const scripted = setup.commandLine.find((c) => c.command.startsWith("printf"))!.command;
    const result = await run(scripted, server.hostKeyFingerprint);
    expect(result.stderr).not.toMatch(/no matching/);
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(path.join(server.incomingDir, "CLAIMS.txt"), "utf8")).toContain("ISA*00*");

    // The known_hosts check prints the stored key's fingerprint, which equals the pin.
    const verify = await run(setup.knownHosts!.verifyCommand, server.hostKeyFingerprint);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain(setup.knownHosts!.hostPattern);
    expect(verify.stdout).toContain(server.hostKeyFingerprint);
  });

  it("fails without the legacy options, which is why they are printed for legacy payers", async () => {
    const setup = clientSetup(destination({ algorithmProfile: "modern" }), { username: server.username, egressIps: [] });
    const scripted = setup.commandLine.find((c) => c.command.startsWith("printf"))!.command;
    const result = await run(scripted, server.hostKeyFingerprint);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/no matching (key exchange method|host key type|cipher|MAC) found/);
  });
});
