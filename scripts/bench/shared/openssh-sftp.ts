/**
 * OpenSSH's sftp as the reference client (the engine suite, and the legacy handshake of the
 * pipeline's responsiveness part): upload `<name>.part`, rename to `<name>`, against a known_hosts
 * file holding exactly the host key the portal pins, timed from process start to exit, CPU of
 * sshpass, sftp and ssh together.
 *
 * Batch mode (-b). The servers want password AND key; -b turns on BatchMode, which forbids password
 * prompts, so BatchMode=no goes first (ssh keeps the first value it sees) and sshpass answers the
 * prompt from $SSHPASS (never on the command line). -v prints the negotiated algorithms.
 */
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { runProcess, type ProcessOutcome } from "./run-process";

export interface SftpUploadTarget {
  address: string;
  port: number;
  username: string;
  password: string;
  keyPath: string;
  /** Holds exactly the pinned host key; the client runs with StrictHostKeyChecking=yes. */
  knownHostsPath: string;
  remoteDir: string;
}

export async function runSftpUpload(
  target: SftpUploadTarget,
  localPath: string,
  remoteName: string,
  // sshOptions: more `-o` pairs (a legacy server's algorithms); onStderr: as runProcess's, to time the steps -v prints.
  options: { workDir: string; timeoutMs: number; sshOptions?: string[]; onStderr?: (text: string, atMs: number) => void },
): Promise<ProcessOutcome> {
  const batchPath = path.join(options.workDir, `sftp-batch-${remoteName}`);
  await writeFile(batchPath, [`cd "${target.remoteDir}"`, `put "${localPath}" "${remoteName}.part"`, `rename "${remoteName}.part" "${remoteName}"`, ""].join("\n"));
  try {
    return await runProcess(
      "sshpass",
      [
        "-e",
        "sftp",
        "-v",
        "-o", "BatchMode=no",
        "-o", "StrictHostKeyChecking=yes",
        "-o", `UserKnownHostsFile=${target.knownHostsPath}`,
        "-o", "GlobalKnownHostsFile=/dev/null",
        ...(options.sshOptions ?? []),
        "-o", "IdentitiesOnly=yes",
        "-o", "PreferredAuthentications=password,publickey",
        "-o", "NumberOfPasswordPrompts=1",
        "-i", target.keyPath,
        "-P", String(target.port),
        "-b", batchPath,
        `${target.username}@${target.address}`,
      ],
      { env: { ...process.env, SSHPASS: target.password }, timeoutMs: options.timeoutMs, measureCpu: true, onStderr: options.onStderr },
    );
  } finally {
    await rm(batchPath, { force: true });
  }
}
