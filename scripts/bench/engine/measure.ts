/**
 * Interleaved measurements: every round runs each way of sending the file once, the round's first
 * one rotating (portal first, then the reference client first, ...), so neither always meets the
 * warmer cache or the quieter moment of a shared machine. Every delivered file is checked (size and
 * final name every time, SHA-256 on the first transfer of each kind) and removed.
 */
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
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
}

export const REMOTE_PREFIX = "bench-";

export async function measureInterleaved(server: BenchServer, contenders: Contender[], rounds: number): Promise<Map<string, Measured[]>> {
  const results = new Map<string, Measured[]>(contenders.map((c) => [c.key, []]));
  for (let round = 0; round < rounds; round++) {
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]);
    for (const contender of order) {
      const runs = results.get(contender.key)!;
      const name = `${REMOTE_PREFIX}${contender.key}-${round + 1}.bin`;
      const m = await contender.send(name);
      await checkLanded(server.landingDir, name, { bytes: contender.payload.bytes, sha256: runs.length === 0 ? contender.payload.sha256 : undefined }, server.label);
      const measured = { ...m, bytes: contender.payload.bytes };
      runs.push(measured);
      log(server, contender.label, round + 1, rounds, measured);
    }
  }
  return results;
}

/** Remove whatever a failed run left in a landing directory (the real sshd's is not a temp dir). */
export async function removeBenchFiles(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(REMOTE_PREFIX)).map((n) => rm(path.join(dir, n), { force: true })));
}

function log(server: BenchServer, who: string, round: number, rounds: number, m: Measured) {
  const rate = megabytesPerSecond(m).toFixed(1);
  const cpu = m.cpuMs !== undefined ? `, CPU ${(m.cpuMs / 1000).toFixed(2)} s` : "";
  const rss = m.relay ? `, peak RSS ${(m.relay.peakRssKiB / 1024).toFixed(1)} MiB` : "";
  const first = m.relay?.firstRelay ? `; the thread's first relay: ${(m.relay.firstRelay.elapsedMs / 1000).toFixed(2)} s, CPU ${(m.relay.firstRelay.cpuMs / 1000).toFixed(2)} s` : "";
  console.log(`  ${server.label.padEnd(44)} ${who.padEnd(26)} round ${round}/${rounds}: ${rate} MB/s (${(m.elapsedMs / 1000).toFixed(2)} s${cpu}${rss}${first})`);
}
