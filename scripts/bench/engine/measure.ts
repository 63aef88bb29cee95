/**
 * The measurement plan for one server: N portal relays and N reference transfers of the big file
 * (alternating who goes first, so neither always gets the warmer cache), then N portal relays of
 * the small file for the memory comparison. Every delivered file is checked and deleted.
 */
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { checkLanded } from "../shared/landed";
import type { BenchConfig } from "./config";
import { megabytesPerSecond, type TransferMeasurement } from "./measurement";
import { runPortalRelay } from "./portal-relay";
import type { PortalRelayResult } from "./relay-protocol";
import { FTPS_REFERENCE, runFtpsReference, runSftpReference, SFTP_REFERENCE } from "./reference-clients";
import type { BenchServer } from "./servers";

export interface Payload {
  path: string;
  bytes: number;
  sha256: string;
}

export type PortalMeasurement = TransferMeasurement & { relay: PortalRelayResult };

export interface ServerResults {
  server: BenchServer;
  referenceName: string;
  portal: PortalMeasurement[];
  reference: TransferMeasurement[];
  portalSmall: PortalMeasurement[];
}

export const REMOTE_PREFIX = "bench-";

export async function measureServer(
  server: BenchServer,
  payloads: { large: Payload; small: Payload },
  config: BenchConfig,
  workDir: string,
): Promise<ServerResults> {
  const results: ServerResults = {
    server,
    referenceName: server.reference.kind === "sftp" ? SFTP_REFERENCE : FTPS_REFERENCE,
    portal: [],
    reference: [],
    portalSmall: [],
  };
  const portal = async (payload: Payload, run: number, into: PortalMeasurement[], tag: string) => {
    const name = `${REMOTE_PREFIX}portal-${tag}-${run}.bin`;
    const m = await runPortalRelay(server, payload.path, name, config.transferTimeoutMs);
    await checkDelivered(server, name, payload, into.length === 0);
    into.push({ ...m, bytes: payload.bytes });
    log(server, `portal ${tag}`, run, config.runs, m, payload.bytes, m.relay);
  };
  const reference = async (run: number) => {
    const name = `${REMOTE_PREFIX}reference-${run}.bin`;
    const { large } = payloads;
    const ref = server.reference;
    const m =
      ref.kind === "sftp"
        ? await runSftpReference(ref, large.path, name, workDir, config.transferTimeoutMs)
        : await runFtpsReference(ref, large.path, name, config.transferTimeoutMs);
    await checkDelivered(server, name, large, results.reference.length === 0);
    results.reference.push({ ...m, bytes: large.bytes });
    log(server, results.referenceName, run, config.runs, m, large.bytes);
  };

  const large = `${config.sizeMiB}MiB`;
  for (let run = 1; run <= config.runs; run++) {
    if (run % 2 === 1) {
      await portal(payloads.large, run, results.portal, large);
      await reference(run);
    } else {
      await reference(run);
      await portal(payloads.large, run, results.portal, large);
    }
  }
  for (let run = 1; run <= config.runs; run++) await portal(payloads.small, run, results.portalSmall, `${config.smallSizeMiB}MiB`);
  return results;
}

/**
 * The transfer only counts if the final name holds the whole file and no temp file is left.
 * The content hash is checked on the first transfer of each kind (hashing every copy would double
 * the run time and prove nothing new).
 */
async function checkDelivered(server: BenchServer, name: string, payload: Payload, checkContent: boolean): Promise<void> {
  await checkLanded(server.landingDir, name, { bytes: payload.bytes, sha256: checkContent ? payload.sha256 : undefined }, server.label);
}

/** Remove whatever a failed run left in a landing directory (the real sshd's is not a temp dir). */
export async function removeBenchFiles(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(REMOTE_PREFIX)).map((n) => rm(path.join(dir, n), { force: true })));
}

function log(server: BenchServer, who: string, run: number, runs: number, m: TransferMeasurement, bytes: number, relay?: PortalRelayResult) {
  const rate = megabytesPerSecond({ ...m, bytes }).toFixed(1);
  const rss = relay ? `, peak RSS ${(relay.peakRssKiB / 1024).toFixed(1)} MiB` : "";
  console.log(`  ${server.label.padEnd(24)} ${who.padEnd(14)} run ${run}/${runs}: ${rate} MB/s (${(m.elapsedMs / 1000).toFixed(2)} s)${rss}`);
}
