import path from "node:path";
import { runChild } from "../shared/child";
import type { TransferMeasurement } from "./measurement";
import type { PortalRelayJob, PortalRelayResult } from "./relay-protocol";
import type { BenchServer } from "./servers";

const CHILD = path.join(__dirname, "relay-child.ts");

/**
 * One portal delivery (sftpDriver / ftpsDriver .deliver) in a fresh Node process (plain `node --import tsx`, no wrapper process).
 * `localFileKey`: the data key of a sealed staged file (the sealing suite); without it the file is read as plain.
 */
export async function runPortalRelay(
  server: BenchServer,
  localPath: string,
  remoteName: string,
  timeoutMs: number,
  localFileKey?: Buffer,
): Promise<TransferMeasurement & { relay: PortalRelayResult }> {
  const job: PortalRelayJob = {
    protocol: server.protocol,
    destination: server.destination,
    target: server.target,
    credentials: server.credentials,
    localPath,
    remoteName,
    localFileKey: localFileKey?.toString("base64"),
  };
  const relay = await runChild<PortalRelayResult>(CHILD, job, { timeoutMs, label: `portal relay to ${server.label}` });
  return {
    elapsedMs: relay.elapsedMs,
    bytes: relay.bytes,
    cpuMs: relay.cpuMs,
    cipher: relay.negotiated.cipher ?? relay.negotiated.tlsCipher,
    protocolDetail: relay.negotiated.tlsProtocol,
    relay,
  };
}
