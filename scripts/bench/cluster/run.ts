/**
 * The cluster suite (`npm run bench:cluster`, issue 19): the aggregate throughput of partner API
 * uploads (POST /api/v1/transfers) with one and with two web instances on one PostgreSQL database
 * and one shared DATA_DIR, behind a round-robin proxy (test/support/round-robin-proxy.ts), as
 * `npm start` runs them (production build). The first instance runs the demo's sandbox SFTP
 * payer; the second shares its database, staging directory and master key.
 *
 * Each round sends CLUSTER_UPLOADS (20) different files of CLUSTER_UPLOAD_MIB (16) MiB at once
 * through the proxy and records when the last one was staged (the last 202: received, hashed,
 * sealed, checked and queued) and when the last one was delivered to the payer (every instance's
 * relay workers take part). Rounds alternate 1, 2, 1, 2 … (CLUSTER_ROUNDS each). PostgreSQL only.
 * Writes its section of docs/benchmarks.md between the cluster markers (report.ts).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { startRoundRobinProxy } from "@/test/support/round-robin-proxy";
import type { CleanupStack } from "../shared/cleanup";
import { BenchFailure } from "../shared/errors";
import { checkLanded } from "../shared/landed";
import { trackLoadAverage } from "../shared/machine";
import { reportPathForLog, writeSection } from "../shared/report-file";
import { MiB } from "../shared/stats";
import type { Suite } from "../shared/suite";
import { apiUpload, type ApiUploadResult } from "../pipeline/api-upload";
import { ensureCurrentBuild } from "../pipeline/build";
import { readPipelineConfig } from "../pipeline/config";
import { waitForDelivery } from "../pipeline/delivery";
import { SANDBOX_PAYER } from "../pipeline/measure-browser-upload";
import { payerFileName, writePayload } from "../pipeline/payload";
import { preparePortal, type PreparedPortal } from "../pipeline/portal-setup";
import { startPortalProcess, type PortalProcess } from "../pipeline/portal-process";
import { readClusterConfig, type ClusterConfig } from "./config";
import { renderClusterReport, type ClusterRound } from "./report";

async function runClusterBenchmark(cleanup: CleanupStack): Promise<void> {
  const config = readClusterConfig();
  // The production build as `npm start` serves it, rebuilt first when older than the sources.
  ensureCurrentBuild();
  const workDir = await mkdtemp(path.join(os.tmpdir(), "edi-bench-cluster-"));
  cleanup.add("remove the work directory", () => rm(workDir, { recursive: true, force: true }));
  const load = trackLoadAverage();

  // The first instance as bench:pipeline prepares it: demo mode (the sandbox payer), seeded tokens.
  const pipeline = { ...readPipelineConfig(), databaseUrl: config.databaseUrl, uploadMiB: config.uploadMiB, apiUploadMiB: config.uploadMiB };
  const prepared = await preparePortal("postgres", pipeline, workDir, cleanup);
  console.log("bench:cluster: second web instance on the same database and DATA_DIR");
  const second = await startPortalProcess({ ...prepared.env, logPath: path.join(workDir, "portal-second.log"), label: "second web instance", env: { DEMO: "false" } }, cleanup);
  const instances = [prepared.portal, second];

  const rounds: ClusterRound[] = [];
  for (let round = 0; round < config.rounds; round++) {
    for (const count of [1, 2]) rounds.push(await measureRound(prepared, instances.slice(0, count), config, workDir, rounds.length));
  }
  const markdown = renderClusterReport({ config, rounds, loadAverage: load.end() });
  await writeSection("cluster", markdown);
  console.log(`bench:cluster: written to ${reportPathForLog()}`);
}

async function measureRound(prepared: PreparedPortal, instances: PortalProcess[], config: ClusterConfig, workDir: string, index: number): Promise<ClusterRound> {
  const bytesEach = config.uploadMiB * MiB;
  // Names one second apart, each round an hour after the last: every file lands under its own name.
  const start = new Date(Date.now() + (index + 1) * 3_600_000);
  const files: Array<{ path: string; name: string; sha256: string }> = [];
  const proxy = await startRoundRobinProxy(instances.map((instance) => instance.url));
  try {
    for (let i = 0; i < config.uploads; i++) {
      const file = path.join(workDir, `cluster-${index}-${i}.bin`);
      files.push({ path: file, name: payerFileName(prepared.seed.submitterId, start, i), sha256: await writePayload(file, bytesEach, `cluster ${index} ${i}`) });
    }
    console.log(`bench:cluster: ${config.uploads} × ${config.uploadMiB} MiB through the proxy to ${instances.length} web instance(s)`);
    const clock0 = performance.now();
    const startWall = Date.now();
    const settled = await Promise.allSettled(
      files.map((file) => apiUpload({ baseUrl: proxy.url, token: prepared.seed.tokens[1], path: file.path, size: bytesEach, fileName: file.name, accountId: prepared.seed.sftpAccountId, clock0 })),
    );
    const failed = settled.filter((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed.length) throw new BenchFailure(`${failed.length} of ${files.length} API uploads failed; the first: ${(failed[0].reason as Error).message}`, (failed[0].reason as BenchFailure).log ?? "");
    const uploads = settled.map((s) => (s as PromiseFulfilledResult<ApiUploadResult>).value);
    const stagedMs = Math.max(...uploads.map((upload) => upload.finishedAtMs));
    const states = await waitForDelivery(proxy.url, prepared.seed.tokens[2], uploads.map((upload) => upload.transferId), config.deliveryTimeoutMs);
    const deliveredMs = Math.max(...[...states.values()].map((state) => Date.parse(state.deliveredAt!))) - startWall;
    for (const file of files) await checkLanded(prepared.landingDir, file.name, { bytes: bytesEach, sha256: file.sha256 }, SANDBOX_PAYER);
    const perInstance = instances.map((_, backend) => proxy.log.filter((entry) => entry.backend === backend && entry.method === "POST").length);
    const result: ClusterRound = { instances: instances.length, uploads: config.uploads, bytesEach, stagedMs, deliveredMs, perInstance };
    console.log(`  staged in ${(stagedMs / 1000).toFixed(1)} s, delivered in ${(deliveredMs / 1000).toFixed(1)} s (requests per instance: ${perInstance.join(", ")})`);
    return result;
  } finally {
    await proxy.close();
    await Promise.all(files.map((file) => rm(file.path, { force: true })));
  }
}

export const clusterSuite: Suite = {
  prefix: "bench:cluster",
  onInterrupt: "stopping the portals, dropping the scratch database and removing temp files",
  run: runClusterBenchmark,
};
