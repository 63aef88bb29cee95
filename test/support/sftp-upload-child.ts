/**
 * One SFTP upload in a Node process of its own, for tests that need ssh2 loaded differently from the
 * test runner's (test/sftp-direct-writes-sshd.test.ts runs it with ssh2's native binding hidden).
 * Job as JSON on stdin; one JSON line on stdout: which way each WRITE went and whether ssh2 loaded
 * its binding.
 */
import { openSftpSession, uploadFile } from "@/lib/sftp";
import { Transcript } from "@/lib/transfers/transcript";
import type { DestinationSpec, UpstreamCredentials, ValidatedTarget } from "@/lib/transfers/types";

export interface UploadChildJob {
  destination: DestinationSpec;
  target: ValidatedTarget;
  credentials: UpstreamCredentials;
  localPath: string;
  remoteName: string;
}

export interface UploadChildResult {
  bytes: number;
  counts: { direct: number; viaSsh2: number };
  cipher?: string;
  ssh2NativeBinding: boolean;
}

async function main() {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const job = JSON.parse(Buffer.concat(chunks).toString("utf8")) as UploadChildJob;
  const transcript = new Transcript();
  const session = await openSftpSession(job.destination, job.target, job.credentials, transcript);
  try {
    const outcome = await uploadFile(session, {
      localPath: job.localPath,
      remoteDir: job.destination.remoteDir,
      remoteName: job.remoteName,
      tempSuffix: ".part",
      strategy: "temp_then_rename",
    });
    const crypto = (await import("ssh2/lib/protocol/crypto.js" as string)) as { bindingAvailable?: boolean; default?: { bindingAvailable?: boolean } };
    const result: UploadChildResult = {
      bytes: outcome.bytes,
      counts: { ...session.writes.counts },
      cipher: session.negotiated.cipher,
      ssh2NativeBinding: Boolean(crypto.bindingAvailable ?? crypto.default?.bindingAvailable),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await session.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
