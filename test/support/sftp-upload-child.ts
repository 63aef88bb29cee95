/**
 * One SFTP upload (test/support/sftp-upload.ts) in a Node process of its own, for tests that need
 * ssh2 loaded differently from the test runner's (test/sftp-direct-writes-sshd.test.ts runs it with
 * ssh2's native binding hidden). Job as JSON on stdin; one JSON line on stdout: which way each WRITE
 * went and whether ssh2 loaded its binding.
 */
import { uploadOnce, type UploadJob } from "./sftp-upload";

export interface UploadChildResult {
  bytes: number;
  counts: { direct: number; viaSsh2: number };
  cipher?: string;
  ssh2NativeBinding: boolean;
}

async function main() {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const job = JSON.parse(Buffer.concat(chunks).toString("utf8")) as UploadJob;
  const upload = await uploadOnce(job);
  const crypto = (await import("ssh2/lib/protocol/crypto.js" as string)) as { bindingAvailable?: boolean; default?: { bindingAvailable?: boolean } };
  const result: UploadChildResult = {
    bytes: upload.outcome.bytes,
    counts: upload.counts,
    cipher: upload.cipher,
    ssh2NativeBinding: Boolean(crypto.bindingAvailable ?? crypto.default?.bindingAvailable),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
