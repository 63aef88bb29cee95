/**
 * The reference clients doing the same work as the portal: upload `<name>.part`, rename to
 * `<name>`, with the same pinned host key / certificate, timed from process start to exit.
 */
import { BenchFailure } from "../shared/errors";
import { runSftpUpload } from "../shared/openssh-sftp";
import { runProcess } from "../shared/run-process";
import type { TransferMeasurement } from "./measurement";
import type { FtpsReferenceTarget, SftpReferenceTarget } from "./servers";

export const SFTP_REFERENCE = "OpenSSH sftp";
export const FTPS_REFERENCE = "curl";

/** OpenSSH's sftp in batch mode (shared/openssh-sftp.ts). */
export async function runSftpReference(
  ref: SftpReferenceTarget,
  localPath: string,
  remoteName: string,
  workDir: string,
  timeoutMs: number,
): Promise<TransferMeasurement> {
  const outcome = await runSftpUpload(ref, localPath, remoteName, { workDir, timeoutMs });
  if (outcome.code !== 0) throw new BenchFailure(`sftp to port ${ref.port} failed (exit ${outcome.code ?? outcome.signal})`, outcome.stderr);
  const cipher = /kex: client->server cipher: (\S+)/.exec(outcome.stderr)?.[1];
  return { elapsedMs: outcome.elapsedMs, cpuMs: outcome.cpuMs, bytes: 0, cipher };
}

/**
 * curl over explicit FTPS (--ssl-reqd on ftp://): the certificate is checked against the private
 * CA for the configured name (--resolve maps it to the loopback address, like ValidatedTarget)
 * and its public key is pinned. The password goes in via a config file on stdin (-K -).
 */
export async function runFtpsReference(ref: FtpsReferenceTarget, localPath: string, remoteName: string, timeoutMs: number): Promise<TransferMeasurement> {
  const quoted = (value: string) => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  const outcome = await runProcess(
    "curl",
    [
      "--silent",
      "--show-error",
      "--verbose",
      "--ssl-reqd",
      "--disable-epsv",
      "--cacert", ref.caPath,
      "--pinnedpubkey", ref.pinnedPublicKey,
      "--resolve", `${ref.host}:${ref.port}:${ref.address}`,
      "--config", "-",
      "--upload-file", localPath,
      "--quote", `-RNFR ${remoteName}.part`,
      "--quote", `-RNTO ${remoteName}`,
      `ftp://${ref.host}:${ref.port}${ref.remoteDir}/${remoteName}.part`,
    ],
    { stdin: `user = ${quoted(`${ref.username}:${ref.password}`)}\n`, timeoutMs, measureCpu: true },
  );
  if (outcome.code !== 0) throw new BenchFailure(`curl to port ${ref.port} failed (exit ${outcome.code ?? outcome.signal})`, redactCurl(outcome.stderr));
  const tls = /SSL connection using (\S+) \/ (\S+)/.exec(outcome.stderr);
  return { elapsedMs: outcome.elapsedMs, cpuMs: outcome.cpuMs, bytes: 0, cipher: tls?.[2], protocolDetail: tls?.[1] };
}

/** curl -v echoes "PASS <password>" as it sends it. */
function redactCurl(log: string): string {
  return log.replace(/^(> PASS ).*$/gm, "$1****");
}
