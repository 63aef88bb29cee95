import path from "node:path";
import { runChild } from "../shared/child";
import { bundledPortalHelper } from "../shared/portal-bundle";
import { npmStartNodeFlags } from "../shared/npm-start";
import type { TransferMeasurement } from "./measurement";
import type { PortalRelayJob, PortalRelayResult } from "./relay-protocol";
import type { BenchServer } from "./servers";

const CHILD = path.join(__dirname, "relay-child.ts");
const WITHOUT_SSH2_BINDING = path.join(__dirname, "without-ssh2-binding.cjs");

/**
 * One portal delivery (a `deliver` task on the portal's protocol worker pool) in a fresh Node process running
 * the helper compiled as production runs the portal (shared/portal-bundle.ts; plain `node`, no wrapper process).
 * `localFileKey`: the data key of a sealed staged file; without it the file is read as plain.
 * `withoutSsh2Binding`: ssh2 as installed without its optional native crypto binding.
 * `warmUp`: deliver a small file first, untimed (the engine suite; the sealing suite times a cold process).
 * `priorRelays`: relay the file that many times on the same thread first (relay-protocol.ts).
 * BENCH_CPU_PROF=<dir> writes a V8 CPU profile of every relay child there (node --cpu-prof).
 */
export async function runPortalRelay(
  server: BenchServer,
  localPath: string,
  remoteName: string,
  timeoutMs: number,
  localFileKey?: Buffer,
  options: { withoutSsh2Binding?: boolean; warmUp?: boolean; priorRelays?: number } = {},
): Promise<TransferMeasurement & { relay: PortalRelayResult }> {
  const job: PortalRelayJob = {
    protocol: server.protocol,
    destination: server.destination,
    target: server.target,
    credentials: server.credentials,
    localPath,
    remoteName,
    localFileKey: localFileKey?.toString("base64"),
    warmUp: options.warmUp,
    priorRelays: options.priorRelays,
    landingDir: server.landingDir,
  };
  const nodeArgs = [
    // As the portal runs it: npm start's flags (the relay's protocol thread gets its own heap
    // setting from lib/workers/thread-heap.ts, as in the portal).
    ...npmStartNodeFlags(),
    ...(options.withoutSsh2Binding ? ["--require", WITHOUT_SSH2_BINDING] : []),
    ...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
  ];
  const relay = await runChild<PortalRelayResult>(await bundledPortalHelper(CHILD), job, { timeoutMs, label: `portal relay to ${server.label}`, nodeArgs });
  return {
    elapsedMs: relay.elapsedMs,
    bytes: relay.bytes,
    cpuMs: relay.cpuMs,
    cipher: relay.negotiated.cipher ?? relay.negotiated.tlsCipher,
    mac: relay.negotiated.mac,
    kex: relay.negotiated.kex,
    protocolDetail: relay.negotiated.tlsProtocol,
    relay,
  };
}
