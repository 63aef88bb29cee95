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
  const outcome = await runSftpUpload(ref, localPath, remoteName, { workDir, timeoutMs, sshOptions: ref.sshOptions });
  if (outcome.code !== 0) throw new BenchFailure(`sftp to port ${ref.port} failed (exit ${outcome.code ?? outcome.signal})`, outcome.stderr);
  // `sftp -v`: "kex: client->server cipher: aes128-gcm@openssh.com MAC: <implicit> compression: none"
  const negotiated = /kex: client->server cipher: (\S+) MAC: (\S+)/.exec(outcome.stderr);
  const kex = /kex: algorithm: (\S+)/.exec(outcome.stderr)?.[1];
  return { elapsedMs: outcome.elapsedMs, cpuMs: outcome.cpuMs, bytes: 0, cipher: negotiated?.[1], mac: negotiated?.[2], kex };
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

export const LFTP_REFERENCE = "lftp";
const LFTP_TLS_PRIORITY = "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-256-GCM";

/**
 * lftp over explicit FTPS (AUTH TLS, protected data connections), passive mode without EPSV like
 * the portal and curl, certificate checked against the private CA. lftp has no --resolve: it
 * connects to the loopback address and checks the certificate's chain but not its name (curl and
 * the portal check both, and pin the key). The password comes from $LFTP_PASSWORD (--env-password),
 * never the command line. lftp does not print the TLS session it negotiated, so its GnuTLS priority
 * allows only TLS 1.3 with AES-256-GCM, what curl and the portal negotiate with vsftpd: the session
 * fails rather than use anything else.
 */
export async function runLftpReference(ref: FtpsReferenceTarget, localPath: string, remoteName: string, timeoutMs: number): Promise<TransferMeasurement> {
  const quoted = (value: string) => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  const script = [
    "set cmd:fail-exit true",
    "set net:max-retries 1",
    "set ftp:ssl-force true",
    "set ftp:ssl-protect-data true",
    "set ftp:passive-mode true",
    "set ftp:prefer-epsv false",
    `set ssl:ca-file ${quoted(ref.caPath)}`,
    "set ssl:verify-certificate true",
    "set ssl:check-hostname false",
    `set ssl:priority ${quoted(LFTP_TLS_PRIORITY)}`,
    `open --env-password -u ${quoted(ref.username)} -p ${ref.port} ${ref.address}`,
    `cd ${quoted(ref.remoteDir)}`,
    `put ${quoted(localPath)} -o ${quoted(`${remoteName}.part`)}`,
    `mv ${quoted(`${remoteName}.part`)} ${quoted(remoteName)}`,
    "bye",
  ].join("; ");
  const outcome = await runProcess("lftp", ["-d", "-c", script], {
    env: { ...process.env, LFTP_PASSWORD: ref.password },
    timeoutMs,
    measureCpu: true,
  });
  if (outcome.code !== 0) throw new BenchFailure(`lftp to port ${ref.port} failed (exit ${outcome.code ?? outcome.signal})`, redactLftp(`${outcome.stdout}\n${outcome.stderr}`));
  return { elapsedMs: outcome.elapsedMs, cpuMs: outcome.cpuMs, bytes: 0, cipher: "TLS_AES_256_GCM_SHA384 (pinned by ssl:priority)", protocolDetail: "TLSv1.3" };
}

/** lftp -d echoes "PASS <password>" as it sends it. */
function redactLftp(log: string): string {
  return log.replace(/(PASS ).*$/gm, "$1****");
}
