import path from "node:path";
import { BenchFailure, type TransferMeasurement } from "./measurement";
import { RESULT_PREFIX, type PortalRelayJob, type PortalRelayResult } from "./relay-protocol";
import { runProcess } from "./run-process";
import type { BenchServer } from "./servers";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const CHILD = path.join(__dirname, "relay-child.ts");
const SHIM = path.join(REPO_ROOT, "scripts", "server-only-shim.cjs");

/** One portal delivery (sftpDriver / ftpsDriver .deliver) in a fresh Node process. */
export async function runPortalRelay(
  server: BenchServer,
  localPath: string,
  remoteName: string,
  timeoutMs: number,
): Promise<TransferMeasurement & { relay: PortalRelayResult }> {
  const job: PortalRelayJob = {
    protocol: server.protocol,
    destination: server.destination,
    target: server.target,
    credentials: server.credentials,
    localPath,
    remoteName,
  };
  // Plain `node --import tsx`, not the tsx CLI: the CLI would add a wrapper process around ours.
  const outcome = await runProcess(process.execPath, ["--require", SHIM, "--import", "tsx", CHILD], {
    stdin: JSON.stringify(job),
    timeoutMs,
    cwd: REPO_ROOT,
  });
  const line = outcome.stdout.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
  if (outcome.code !== 0 || !line)
    throw new BenchFailure(`portal relay to ${server.label} failed (exit ${outcome.code ?? outcome.signal})`, outcome.stderr);
  const relay = JSON.parse(line.slice(RESULT_PREFIX.length)) as PortalRelayResult;
  return {
    elapsedMs: relay.elapsedMs,
    bytes: relay.bytes,
    cpuMs: relay.cpuMs,
    cipher: relay.negotiated.cipher ?? relay.negotiated.tlsCipher,
    protocolDetail: relay.negotiated.tlsProtocol,
    relay,
  };
}
