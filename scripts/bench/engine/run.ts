/**
 * The engine suite (`npm run bench:engine`, the first part of `npm run bench`): relay a large file of
 * random bytes over SFTP (real OpenSSH sshd and the sandbox) and FTPS (real vsftpd and the sandbox)
 * with the portal's engine and with the reference clients, then write the comparison to the top of
 * docs/benchmarks.md. BENCH_RUNS and BENCH_SIZE_MIB override the defaults (3 runs, 256 MiB; see
 * config.ts). Needs root and the Debian packages listed in tools.ts.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { CleanupStack } from "../shared/cleanup";
import { machineBasics, trackLoadAverage, type LoadAverage } from "../shared/machine";
import { writeRandomFile } from "../shared/payload";
import { reportPathForLog, writeEngineReport } from "../shared/report-file";
import { killRunningChildren } from "../shared/run-process";
import { MiB } from "../shared/stats";
import type { Suite } from "../shared/suite";
import { debianPackageVersion } from "../shared/tools";
import { readConfig } from "./config";
import { measureServer, removeBenchFiles, type ServerResults } from "./measure";
import { renderReport, type MachineFacts } from "./report";
import { startBenchServers } from "./servers";
import { assertToolsPresent } from "./tools";

async function runEngineBenchmark(cleanup: CleanupStack): Promise<void> {
  const config = readConfig();
  assertToolsPresent();

  const workDir = await mkdtemp(path.join(os.tmpdir(), "edi-bench-"));
  cleanup.add("remove the work directory", () => rm(workDir, { recursive: true, force: true }));

  console.log(`bench: writing ${config.sizeMiB} MiB and ${config.smallSizeMiB} MiB random files to ${workDir}`);
  const large = { path: path.join(workDir, "payload-large.bin"), bytes: config.sizeMiB * MiB, sha256: "" };
  const small = { path: path.join(workDir, "payload-small.bin"), bytes: config.smallSizeMiB * MiB, sha256: "" };
  large.sha256 = await writeRandomFile(large.path, large.bytes);
  small.sha256 = await writeRandomFile(small.path, small.bytes);

  console.log("bench: starting OpenSSH sshd, sandbox SFTP, vsftpd and sandbox FTPS on 127.0.0.1");
  const servers = await startBenchServers(workDir, cleanup);
  for (const server of servers) cleanup.add(`remove bench files from ${server.label}`, () => removeBenchFiles(server.landingDir));
  // Registered last, so it runs first: no client may still be talking to a server being stopped.
  cleanup.add("kill running transfers", killRunningChildren);

  const load = trackLoadAverage();
  const results: ServerResults[] = [];
  for (const server of servers) {
    console.log(`bench: ${server.protocol} to ${server.label}`);
    results.push(await measureServer(server, { large, small }, config, workDir));
  }

  const report = renderReport(results, config, machineFacts(load.end()));
  await writeEngineReport(report);
  console.log(`\n${report}\nbench: written to ${reportPathForLog()}`);
}

function machineFacts(loadAverage: LoadAverage): MachineFacts {
  return {
    ...machineBasics(),
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    node: `${process.version} (OpenSSL ${process.versions.openssl})`,
    openssh: `openssh-server ${debianPackageVersion("openssh-server")}, openssh-client ${debianPackageVersion("openssh-client")}`,
    vsftpd: debianPackageVersion("vsftpd"),
    curl: debianPackageVersion("curl"),
    sshpass: debianPackageVersion("sshpass"),
    loadAverage,
  };
}

export const engineSuite: Suite = {
  prefix: "bench",
  onInterrupt: "stopping servers and removing temp files",
  run: runEngineBenchmark,
};
