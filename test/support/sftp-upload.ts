/**
 * One SFTP upload through the portal's session and upload code (openSftpSession + uploadFile, as a
 * relay runs them), with what the direct-writes tests look at: which way each WRITE went, the
 * negotiated cipher, the transcript and how many key exchanges the connection went through.
 */
import { openSftpSession, uploadFile } from "@/lib/sftp";
import { Transcript } from "@/lib/transfers/transcript";
import type { DestinationSpec, UpstreamCredentials, ValidatedTarget } from "@/lib/transfers/types";

export interface UploadJob {
  destination: DestinationSpec;
  target: ValidatedTarget;
  credentials: UpstreamCredentials;
  localPath: string;
  remoteName: string;
  /** The staged file's data key, base64 (JSON for the child process), when it is sealed. */
  localFileKey?: string;
}

export async function uploadOnce(job: UploadJob) {
  const transcript = new Transcript();
  const session = await openSftpSession(job.destination, job.target, job.credentials, transcript);
  // The first handshake happened before the session was returned: count it, then every rekey.
  let handshakes = 1;
  session.client.on("handshake", () => handshakes++);
  try {
    const outcome = await uploadFile(session, {
      localPath: job.localPath,
      localFileKey: job.localFileKey ? Buffer.from(job.localFileKey, "base64") : null,
      remoteDir: job.destination.remoteDir,
      remoteName: job.remoteName,
      tempSuffix: ".part",
      strategy: "temp_then_rename",
    });
    return { outcome, counts: { ...session.writes.counts }, cipher: session.negotiated.cipher, transcript: transcript.toText(), handshakes };
  } finally {
    await session.close();
  }
}
