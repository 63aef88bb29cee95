/**
 * `npm run bench`: relay a large file of random bytes over SFTP (real OpenSSH sshd and the sandbox)
 * and FTPS (real vsftpd and the sandbox) with the portal's engine and with the reference clients,
 * then write the comparison to docs/benchmarks.md. BENCH_RUNS and BENCH_SIZE_MIB override the
 * defaults (3 runs, 256 MiB). Needs root and the Debian packages listed in scripts/bench/tools.ts.
 * Then runs the upload pipeline benchmark (scripts/bench-pipeline.ts), which has its own section.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CleanupStack } from "./bench/cleanup";
import { BenchSetupError, readConfig } from "./bench/config";
import { BenchFailure } from "./bench/measurement";
import { measureServer, removeBenchFiles, type ServerResults } from "./bench/measure";
import { runPipelineBenchmark } from "./bench-pipeline/launch";
import { writeEngineReport } from "./bench-pipeline/report-file";
import { writeRandomFile } from "./bench/payload";
import { renderReport, type MachineFacts } from "./bench/report";
import { killRunningChildren } from "./bench/run-process";
import { startBenchServers } from "./bench/servers";
import { assertToolsPresent, debianPackageVersion } from "./bench/tools";

const REPORT_PATH = path.resolve(__dirname, "..", "docs", "benchmarks.md");
const MiB = 1024 * 1024;

async function main(): Promise<void> {
  const config = readConfig();
  assertToolsPresent();
  const cleanup = new CleanupStack();
  let interrupted = false;
  // `on`, not `once`: Ctrl-C reaches us twice (directly and relayed by the tsx CLI), and an
  // unhandled second SIGINT would kill the process before the cleanup has finished.
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\nbench: ${signal}, stopping servers and removing temp files`);
    void cleanup.runAll().finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
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

    const loadAtStart = os.loadavg()[0];
    const results: ServerResults[] = [];
    for (const server of servers) {
      console.log(`bench: ${server.protocol} to ${server.label}`);
      results.push(await measureServer(server, { large, small }, config, workDir));
    }

    const report = renderReport(results, config, machineFacts({ start: loadAtStart, end: os.loadavg()[0] }));
    await writeEngineReport(REPORT_PATH, report);
    console.log(`\n${report}\nbench: written to ${path.relative(process.cwd(), REPORT_PATH)}`);
  } finally {
    await cleanup.runAll();
  }
  // The upload pipeline's and the fairness benchmarks write their own sections of the same file,
  // each in its own process.
  const pipeline = await runPipelineBenchmark();
  const fairness = await runPipelineBenchmark("bench-fairness.ts");
  process.exitCode = pipeline || fairness;
}

function machineFacts(loadAverage: MachineFacts["loadAverage"]): MachineFacts {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cpuModel: cpus[0]?.model.trim() ?? "?",
    cpuCount: cpus.length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    node: `${process.version} (OpenSSL ${process.versions.openssl})`,
    openssh: `openssh-server ${debianPackageVersion("openssh-server")}, openssh-client ${debianPackageVersion("openssh-client")}`,
    vsftpd: debianPackageVersion("vsftpd"),
    curl: debianPackageVersion("curl"),
    sshpass: debianPackageVersion("sshpass"),
    loadAverage,
  };
}

main().catch((error: unknown) => {
  if (error instanceof BenchSetupError) {
    console.error(error.message);
    process.exitCode = 2;
    return;
  }
  console.error(`bench failed: ${(error as Error).message ?? String(error)}`);
  if (error instanceof BenchFailure && error.log) console.error(error.log.trim().split("\n").slice(-40).join("\n"));
  process.exitCode = 1;
});
