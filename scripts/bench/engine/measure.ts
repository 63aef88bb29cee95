/**
 * Interleaved measurements: every round runs each way of sending the file once, the round's first
 * one rotating (portal first, then the reference client first, ...), so neither always meets the
 * warmer cache or the quieter moment of a shared machine. Every delivered file is checked (size and
 * final name every time, SHA-256 on the first transfer of each kind) and removed.
 *
 * A portal run that fails ends the benchmark: that is what it exists to catch. A reference client's
 * failed run is run once more in its place and reported beside the results (`RepeatedRun`): curl
 * once failed with "Failure reading network stream" near the end of a ten-minute run, and the whole
 * run was lost. A second failure in a row ends the benchmark too.
 */
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { BenchFailure } from "../shared/errors";
import { checkLanded } from "../shared/landed";
import { megabytesPerSecond, type TransferMeasurement } from "./measurement";
import type { PortalRelayResult } from "./relay-protocol";
import type { BenchServer } from "./servers";

export interface Payload {
  path: string;
  bytes: number;
  sha256: string;
  /** The data key when the file is sealed at rest (lib/sealed-files), as the relay reads staged files. */
  key?: Buffer;
}

export type Measured = TransferMeasurement & { relay?: PortalRelayResult };

/** One way of sending the file: the portal (plain or sealed source, with or without ssh2's binding) or a reference client. */
export interface Contender {
  key: string;
  label: string;
  /** Delivers `payload` as `remoteName` to the server. */
  send(remoteName: string): Promise<Measured>;
  payload: Payload;
  /** A reference client (sftp, curl, lftp), whose failed run is repeated once; the portal's never is. */
  reference?: boolean;
}

/** A reference client's run that failed and was run again; the failed one is not counted. */
export interface RepeatedRun {
  client: string;
  round: number;
  reason: string;
}

export const REMOTE_PREFIX = "bench-";

export async function measureInterleaved(server: BenchServer, contenders: Contender[], rounds: number): Promise<{ runs: Map<string, Measured[]>; repeated: RepeatedRun[] }> {
  const results = new Map<string, Measured[]>(contenders.map((c) => [c.key, []]));
  const repeated: RepeatedRun[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]);
    for (const contender of order) {
      const runs = results.get(contender.key)!;
      const name = `${REMOTE_PREFIX}${contender.key}-${round + 1}.bin`;
      const deliver = async () => {
        const m = await contender.send(name);
        await checkLanded(server.landingDir, name, { bytes: contender.payload.bytes, sha256: runs.length === 0 ? contender.payload.sha256 : undefined }, server.label);
        return m;
      };
      const m = contender.reference
        ? await repeatOnceIfFailed({ server, client: contender.label, round: round + 1, rounds }, deliver, () => removeBenchFiles(server.landingDir, [name]), repeated)
        : await deliver();
      const measured = { ...m, bytes: contender.payload.bytes };
      runs.push(measured);
      log(server, contender.label, round + 1, rounds, measured);
    }
  }
  return { runs: results, repeated };
}

/**
 * A reference client's run (`attempt`) that fails with a BenchFailure is reported, its leftovers
 * removed (`cleanUp`) and run once more; a second failure, or any other error, is thrown.
 */
export async function repeatOnceIfFailed<T>(
  where: { server: BenchServer; client: string; round: number; rounds: number },
  attempt: () => Promise<T>,
  cleanUp: () => Promise<void>,
  repeated: RepeatedRun[],
): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (!(error instanceof BenchFailure)) throw error;
    const reason = describeFailure(error);
    console.log(`  ${where.server.label.padEnd(44)} ${where.client.padEnd(26)} round ${where.round}/${where.rounds} failed (${reason}); running it again`);
    repeated.push({ client: where.client, round: where.round, reason });
    await cleanUp();
    return attempt();
  }
}

/**
 * The failure and the last line its client printed. Secret-free: curl's and lftp's output is
 * redacted where it is read (reference-clients.ts), and sftp gets its password from $SSHPASS.
 */
function describeFailure(error: BenchFailure): string {
  const lastLine = error.log.trim().split("\n").pop()?.trim();
  return lastLine ? `${error.message}: ${lastLine.slice(0, 200)}` : error.message;
}

/**
 * Remove whatever a failed run left in a landing directory (the real sshd's is not a temp dir):
 * every bench file, or only those of the given remote names (and their `.part`).
 */
export async function removeBenchFiles(dir: string, remoteNames?: string[]): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const only = remoteNames && new Set(remoteNames.flatMap((n) => [n, `${n}.part`]));
  await Promise.all(names.filter((n) => (only ? only.has(n) : n.startsWith(REMOTE_PREFIX))).map((n) => rm(path.join(dir, n), { force: true })));
}

function log(server: BenchServer, who: string, round: number, rounds: number, m: Measured) {
  const rate = megabytesPerSecond(m).toFixed(1);
  const cpu = m.cpuMs !== undefined ? `, CPU ${(m.cpuMs / 1000).toFixed(2)} s` : "";
  const rss = m.relay ? `, peak RSS ${(m.relay.peakRssKiB / 1024).toFixed(1)} MiB` : "";
  const first = m.relay?.firstRelay ? `; the thread's first relay: ${(m.relay.firstRelay.elapsedMs / 1000).toFixed(2)} s, CPU ${(m.relay.firstRelay.cpuMs / 1000).toFixed(2)} s` : "";
  console.log(`  ${server.label.padEnd(44)} ${who.padEnd(26)} round ${round}/${rounds}: ${rate} MB/s (${(m.elapsedMs / 1000).toFixed(2)} s${cpu}${rss}${first})`);
}
