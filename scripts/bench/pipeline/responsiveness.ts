/**
 * The responsiveness part of `npm run bench:pipeline` (issue 13, point 6): does the portal keep
 * answering while it works? One client asks `GET /api/health` over and over while, all at once,
 * the portal relays small files to a legacy payer (gex-sha1, 8192-bit group), takes and relays a
 * 1 GiB upload to the demo sandbox SFTP payer, and unlocks partners' private keys uploaded at the
 * highest KDF cost it allows. Target: p99 under 100 ms. Then each load again on its own (what
 * dominates), and the legacy handshake, the portal's engine beside OpenSSH's sftp on the same sshd.
 */
import { randomBytes } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { CleanupStack } from "../shared/cleanup";
import { BenchFailure } from "../shared/errors";
import { checkLanded } from "../shared/landed";
import { apiUpload } from "./api-upload";
import { runChild } from "../shared/child";
import type { PipelineConfig } from "./config";
import { transferDetail, waitForDelivery, type TransferDetail } from "./delivery";
import { latencyFigures, startHealthSampler, type LatencyFigures } from "./health-sampler";
import { makeEncryptedKeys, prepareKeyUploads, uploadKey, verifyKeysListed, type EncryptedKeyFile, type KeyUploadResult } from "./key-uploads";
import { startCpuShare, type CpuShare } from "./cpu-share";
import { compareLegacyHandshakes, type HandshakeComparison } from "./legacy-handshake";
import { startLegacyPayer, type LegacyPayer } from "./legacy-payer";
import { SANDBOX_PAYER } from "./measure-browser-upload";
import { embeddedDatabasePid } from "./memory";
import { payerFileName, writePayload } from "./payload";
import { withPortalLog } from "./portal-process";
import { preparePortal, type Engine, type PreparedPortal } from "./portal-setup";
import { ENGINE_LABEL } from "./report";
import { assertResponsivenessTools, readResponsivenessConfig, type ResponsivenessConfig } from "./responsiveness-config";
import type { HealthSample, ResponsivenessSeedJob, ResponsivenessSeedResult } from "./responsiveness-protocol";
import { signIn } from "./sign-in";
import { MiB } from "../shared/stats";

type Load = ResponsivenessConfig["loads"][number];

const SEED_TIMEOUT_MS = 180_000;
const EVENT_LOOP_POLL_MS = 10_000;
/** The legacy deliveries: a handshake each and a few KiB; generous for a loaded 2-core machine. */
const LEGACY_DELIVERY_TIMEOUT_MS = 300_000;
const LARGE_DELIVERY_TIMEOUT_MS = 3_600_000;
/** Between one phase and the next: late writes (audit, pg-boss) settle before the next window opens. */
const SETTLE_MS = 3_000;

export const ACTIVITY_KINDS = ["key uploads", "legacy API uploads", "legacy relays", "large API upload", "large relay"] as const;

/** Something the portal was doing during a phase, from the client's clock or the portal's records. */
export interface Activity {
  kind: (typeof ACTIVITY_KINDS)[number];
  label: string;
  start: number;
  end: number;
}

export interface EventLoopWindow {
  startedAt: string;
  lengthMs: number;
  samples: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export interface PhaseFigures {
  /** "all at once", or the one load that ran. */
  name: string;
  loads: Load[];
  durationMs: number;
  figures: LatencyFigures;
  /** Who used the CPUs meanwhile: the machine, the portal process, its embedded database process. */
  cpu: CpuShare;
}

export interface ResponsivenessResult {
  engine: Engine;
  engineLabel: string;
  config: ResponsivenessConfig;
  idle: LatencyFigures;
  idleCpu: CpuShare;
  /** The measurement of the issue: every load at once. */
  load: LatencyFigures;
  loadMs: number;
  /** The same, then each load alone (what dominates); the first entry is the combined one. */
  phases: PhaseFigures[];
  /** Health latency while each kind of work was in flight, in the combined phase (a request can count under several). */
  byActivity: Array<{ kind: Activity["kind"]; figures: LatencyFigures }>;
  /** The slowest health requests of the combined phase, the route's own database time, and what the portal was doing meanwhile. */
  slowest: Array<{ atMs: number; latencyMs: number; databaseMs: number; inFlight: string }>;
  /**
   * The portal's own event-loop delay monitor (GET /api/health/details), the one-minute windows
   * overlapping the phases; `maxBeforeLoadMs`: the window's max as read just before the load began
   * (start-up, sign-in and warm-up fall in the first window).
   */
  eventLoop?: { resolutionMs: number; windows: Array<EventLoopWindow & { maxBeforeLoadMs?: number | null }>; error?: string };
  /** "event loop blocked" warnings in the portal's log while the phases ran. */
  blockedWarnings: string[];
  legacy: Array<{ attemptMs: number; connectToAuthMs: number; uploadToDeliveredMs: number; kex?: string }>;
  relay?: { bytes: number; uploadMs: number; relayMs: number; uploadToDeliveredMs: number };
  keys: KeyUploadResult[];
  handshake: HandshakeComparison;
}

/** The API's attempts carry their (redacted) transcript too. */
type AttemptWithTranscript = TransferDetail["attempts"][number] & { transcript?: Array<{ at: string; message: string }> };

interface Context {
  prepared: PreparedPortal;
  seed: ResponsivenessSeedResult;
  payer: LegacyPayer;
  config: ResponsivenessConfig;
  dir: string;
  cookie: string;
  formFields: Array<[string, string]>;
  pids: Record<string, number | undefined>;
}

interface PhaseFiles {
  tag: string;
  relay?: { path: string; name: string; bytes: number; sha256: string };
  legacy: Array<{ path: string; name: string; bytes: number; sha256: string }>;
  keys: EncryptedKeyFile[];
}

interface PhaseOutcome {
  name: string;
  loads: Load[];
  start: number;
  end: number;
  cpu: CpuShare;
  activities: Activity[];
  legacy: ResponsivenessResult["legacy"];
  relay?: ResponsivenessResult["relay"];
  keys: KeyUploadResult[];
}

export async function measureResponsiveness(engine: Engine, pipelineConfig: PipelineConfig, workDir: string, cleanup: CleanupStack): Promise<ResponsivenessResult> {
  const config = readResponsivenessConfig();
  assertResponsivenessTools();
  const dir = path.join(workDir, `responsiveness-${engine}`);
  console.log(`bench:pipeline: responsiveness on ${engine}: starting the legacy payer (OpenSSH sshd offering only diffie-hellman-group-exchange-sha1)`);
  const payer = await startLegacyPayer(workDir, cleanup);
  let seed: ResponsivenessSeedResult | undefined;
  const prepared = await preparePortal(engine, { ...pipelineConfig, uploadMiB: Math.max(pipelineConfig.uploadMiB, config.relayMiB) }, dir, cleanup, async (childEnv) => {
    const job: ResponsivenessSeedJob = {
      adminEmail: "bench-admin@portal.local",
      legacy: {
        host: payer.host,
        port: payer.port,
        hostKeyFingerprint: payer.hostKeyFingerprint,
        username: payer.username,
        password: payer.password,
        privateKeyPem: payer.privateKeyPem,
        remoteDir: payer.incomingDir,
        maxFileMiB: 10,
      },
      tokenNames: ["bench: legacy uploads", "bench: legacy status"],
    };
    seed = await runChild<ResponsivenessSeedResult>(path.join(__dirname, "responsiveness-seed-child.ts"), job, { timeoutMs: SEED_TIMEOUT_MS, label: "responsiveness set-up (legacy destination, account, key)", env: childEnv });
  });
  try {
    const result = await measureUnderLoad(prepared, seed!, payer, config, dir, cleanup);
    await prepared.portal.stop();
    console.log(`bench:pipeline: legacy handshake, portal engine vs OpenSSH sftp, ${config.handshakeRuns} runs each (the portal is stopped)`);
    const handshake = await compareLegacyHandshakes(payer, config.handshakeRuns, dir);
    return { ...result, handshake };
  } catch (error) {
    throw await withPortalLog(error, prepared.portal.logPath);
  } finally {
    await prepared.portal.stop();
  }
}

async function measureUnderLoad(
  prepared: PreparedPortal,
  seed: ResponsivenessSeedResult,
  payer: LegacyPayer,
  config: ResponsivenessConfig,
  dir: string,
  cleanup: CleanupStack,
): Promise<Omit<ResponsivenessResult, "handshake">> {
  const { portal } = prepared;
  const combinedFiles = await prepareFiles(prepared, config, dir, config.loads, 0);

  // Warm the routes the load uses, as a portal that has served a few requests would be.
  const cookie = await signIn(portal.url, prepared.partnerEmail, prepared.env.demoPassword);
  const formFields = config.loads.includes("keys") ? await prepareKeyUploads(portal.url, cookie, seed.legacyAccountId) : [];
  if (formFields.length) console.log(`bench:pipeline: the key upload form carries ${formFields.map(([name]) => name).join(", ")}; posted as ${config.keyPost === "browser" ? "a browser with JavaScript does (Next-Action)" : "a browser without JavaScript does"}`);
  await fetch(`${portal.url}/api/v1/transfers?limit=1`, { headers: { authorization: `Bearer ${seed.tokens[1]}` } }).then((r) => r.text());
  const eventLoop = eventLoopPoller(portal.url, seed.monitoringToken);
  await eventLoop.poll();
  const pids = { portal: portal.pid, database: embeddedDatabasePid(portal.pid) };
  const context: Context = { prepared, seed, payer, config, dir, cookie, formFields, pids };

  const sampler = await startHealthSampler(portal.url, config.healthIntervalMs, cleanup);
  const pollTimer = setInterval(() => void eventLoop.poll(), EVENT_LOOP_POLL_MS);
  const phases: PhaseOutcome[] = [];
  let idleEnd = 0;
  let idleCpu: CpuShare | undefined;
  try {
    console.log(`bench:pipeline: sampling GET /api/health every ${config.healthIntervalMs} ms: ${config.idleSampleMs / 1000} s at rest, then the load`);
    const idleShare = startCpuShare(pids);
    await sleep(config.idleSampleMs);
    idleCpu = idleShare.stop();
    await eventLoop.poll();
    eventLoop.markLoadStart();
    idleEnd = Date.now();
    phases.push(await runPhase(context, "all at once", combinedFiles));
    // Then each load on its own, to show what dominates (not with a single load: that was it already).
    if (config.isolate && config.loads.length > 1) {
      for (const [i, load] of config.loads.entries()) {
        const files = await prepareFiles(prepared, config, dir, [load], i + 1);
        await eventLoop.poll();
        await sleep(SETTLE_MS);
        phases.push(await runPhase(context, `${load} alone`, files));
      }
    }
  } finally {
    clearInterval(pollTimer);
  }
  await sleep(SETTLE_MS);
  const { samples, errors } = await sampler.stop();
  await eventLoop.poll();

  // --- the figures
  const within = (phase: PhaseOutcome) => samples.filter(([at]) => at >= phase.start && at <= phase.end);
  const idleSamples = samples.filter(([at]) => at < idleEnd);
  const combined = phases[0];
  const loadSamples = within(combined);
  if (loadSamples.length === 0) throw new BenchFailure("no health request was answered during the load", errors.join("\n"));
  const overlaps = (sample: HealthSample, a: Activity) => sample[0] <= a.end && sample[0] + sample[1] >= a.start;
  const kinds = ACTIVITY_KINDS.filter((kind) => combined.activities.some((a) => a.kind === kind));
  const byActivity = kinds.map((kind) => ({ kind, figures: latencyFigures(loadSamples.filter((s) => combined.activities.some((a) => a.kind === kind && overlaps(s, a)))) }));
  const inFlight = (sample: HealthSample) =>
    kinds
      .map((kind) => [kind, combined.activities.filter((a) => a.kind === kind && overlaps(sample, a)).length] as const)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => (n > 1 ? `${kind} ×${n}` : kind))
      .join(", ");
  const slowest = [...loadSamples]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map((s) => ({ atMs: s[0] - combined.start, latencyMs: s[1], databaseMs: s[3], inFlight: inFlight(s) }));
  if (process.env.PIPELINE_RESPONSIVENESS_DUMP) {
    // For digging into a result: every sample and activity, as JSON.
    await writeFile(process.env.PIPELINE_RESPONSIVENESS_DUMP, JSON.stringify({ samples, phases: phases.map(({ name, start, end, activities }) => ({ name, start, end, activities })) }));
  }
  const first = phases[0].start;
  const last = phases.at(-1)!.end;
  const logText = await readFile(portal.logPath, "utf8").catch(() => "");
  const blockedWarnings = logText
    .split("\n")
    .filter((line) => line.includes("event loop blocked"))
    .filter((line) => {
      const at = Date.parse(/"at":"([^"]+)"/.exec(line)?.[1] ?? "");
      return Number.isNaN(at) || (at >= first && at <= last + EVENT_LOOP_POLL_MS);
    });

  const result: Omit<ResponsivenessResult, "handshake"> = {
    engine: prepared.engine,
    engineLabel: ENGINE_LABEL[prepared.engine],
    config,
    idle: latencyFigures(idleSamples),
    idleCpu: idleCpu!,
    load: latencyFigures(loadSamples),
    loadMs: combined.end - combined.start,
    phases: phases.map((phase) => ({ name: phase.name, loads: phase.loads, durationMs: phase.end - phase.start, figures: latencyFigures(within(phase)), cpu: phase.cpu })),
    byActivity,
    slowest,
    eventLoop: eventLoop.overlapping(first, last),
    blockedWarnings,
    legacy: combined.legacy,
    relay: combined.relay,
    keys: combined.keys,
  };
  for (const phase of result.phases) {
    const f = phase.figures;
    console.log(
      `  /api/health, ${phase.name}: p50 ${f.p50Ms.toFixed(1)} ms, p99 ${f.p99Ms.toFixed(1)} ms, max ${f.maxMs.toFixed(1)} ms over ${f.count} requests in ${(phase.durationMs / 1000).toFixed(1)} s; ` +
        `CPUs busy ${phase.cpu.machineBusy.toFixed(2)} of ${phase.cpu.cpus} (portal ${phase.cpu.processes.portal?.toFixed(2)}, database ${phase.cpu.processes.database?.toFixed(2) ?? "–"})` +
        (phase === result.phases[0] ? ` (target p99 < ${config.p99TargetMs} ms: ${f.p99Ms < config.p99TargetMs ? "met" : "MISSED"}; at rest p99 ${result.idle.p99Ms.toFixed(1)} ms)` : ""),
    );
  }
  for (const s of slowest.slice(0, 3)) console.log(`    ${s.latencyMs.toFixed(0)} ms at +${(s.atMs / 1000).toFixed(1)} s while: ${s.inFlight || "(nothing recorded)"}`);
  return result;
}

/** The phase's files, written before its window opens (different bytes and names every time: no duplicate holds). */
async function prepareFiles(prepared: PreparedPortal, config: ResponsivenessConfig, dir: string, loads: Load[], phase: number): Promise<PhaseFiles> {
  const base = new Date(Date.now() + (2 + phase) * 3_600_000);
  const tag = `phase${phase}`;
  const files: PhaseFiles = { tag, legacy: [], keys: [] };
  if (loads.includes("relay")) {
    const file = { path: path.join(dir, `relay-${tag}.bin`), name: payerFileName(prepared.seed.submitterId, base, 0), bytes: config.relayMiB * MiB, sha256: "" };
    console.log(`bench:pipeline: writing a ${config.relayMiB} MiB payload`);
    file.sha256 = await writePayload(file.path, file.bytes, `responsiveness relay ${tag} ${randomBytes(8).toString("hex")}`);
    files.relay = file;
  }
  if (loads.includes("legacy")) {
    for (let i = 0; i < config.legacyDeliveries; i++) {
      const file = { path: path.join(dir, `legacy-${tag}-${i}.bin`), name: payerFileName(prepared.seed.submitterId, base, 10 + i), bytes: config.legacyFileKiB * 1024, sha256: "" };
      file.sha256 = await writePayload(file.path, file.bytes, `legacy ${tag} ${i} ${randomBytes(8).toString("hex")}`);
      files.legacy.push(file);
    }
  }
  if (loads.includes("keys")) {
    files.keys = await makeEncryptedKeys(dir, config.keyUploads, config.kdf, tag);
    if (phase === 0) console.log(`bench:pipeline: ${files.keys.length} encrypted keys: ${[...new Set(files.keys.map((k) => `${k.format} (${k.kdf})`))].join("; ")}`);
  }
  return files;
}

/** One window: every load of `files` started at the same moment; it ends when the last is done. Then proof it was done. */
async function runPhase(context: Context, name: string, files: PhaseFiles): Promise<PhaseOutcome> {
  const { prepared, seed, config, cookie, formFields } = context;
  const { portal } = prepared;
  const loads: Load[] = [...(files.legacy.length ? ["legacy" as const] : []), ...(files.relay ? ["relay" as const] : []), ...(files.keys.length ? ["keys" as const] : [])];
  const activities: Activity[] = [];
  const what = [
    files.legacy.length ? `${files.legacy.length} legacy deliveries` : "",
    files.relay ? `a ${config.relayMiB} MiB relay` : "",
    files.keys.length ? `${files.keys.length} key uploads` : "",
  ].filter(Boolean);
  console.log(`bench:pipeline: load, ${name}: ${what.join(", ")}`);
  const cpuShare = startCpuShare(context.pids);
  const start = Date.now();
  const clock0 = performance.now();

  const relayRun = async () => {
    const file = files.relay;
    if (!file) return undefined;
    const upload = await apiUpload({ baseUrl: portal.url, token: prepared.seed.tokens[1], path: file.path, size: file.bytes, fileName: file.name, accountId: prepared.seed.sftpAccountId, clock0 });
    activities.push({ kind: "large API upload", label: `${config.relayMiB} MiB API upload`, start: start + upload.startedAtMs, end: start + upload.finishedAtMs });
    const states = await waitForDelivery(portal.url, prepared.seed.tokens[2], [upload.transferId], LARGE_DELIVERY_TIMEOUT_MS);
    return { upload, deliveredAt: Date.parse(states.get(upload.transferId)!.deliveredAt!) };
  };
  const legacyRun = async () => {
    if (!files.legacy.length) return [];
    const uploads = await Promise.all(
      files.legacy.map(async (file, i) => {
        const upload = await apiUpload({ baseUrl: portal.url, token: seed.tokens[0], path: file.path, size: file.bytes, fileName: file.name, accountId: seed.legacyAccountId, clock0 });
        activities.push({ kind: "legacy API uploads", label: `legacy file ${i + 1} API upload`, start: start + upload.startedAtMs, end: start + upload.finishedAtMs });
        return upload;
      }),
    );
    const states = await waitForDelivery(portal.url, seed.tokens[1], uploads.map((u) => u.transferId), LEGACY_DELIVERY_TIMEOUT_MS);
    return uploads.map((u) => ({ upload: u, deliveredAt: Date.parse(states.get(u.transferId)!.deliveredAt!) }));
  };
  const keysRun = async () =>
    Promise.all(
      files.keys.map(async (key, i) => {
        const result = await uploadKey({ baseUrl: portal.url, cookie, formFields, key, portalPassword: prepared.env.demoPassword, mode: config.keyPost });
        activities.push({ kind: "key uploads", label: `key ${i + 1} upload (${key.format}, ${key.kdf})`, start: result.startedAt, end: result.finishedAt });
        return result;
      }),
    );

  const settled = await Promise.allSettled([relayRun(), legacyRun(), keysRun()]);
  const end = Date.now();
  const cpu = cpuShare.stop();
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failure) throw failure.reason;
  const relayOutcome = (settled[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof relayRun>>>).value;
  const legacyOutcome = (settled[1] as PromiseFulfilledResult<Awaited<ReturnType<typeof legacyRun>>>).value;
  const keys = (settled[2] as PromiseFulfilledResult<KeyUploadResult[]>).value;

  // What the portal recorded, and proof that the work was really done.
  const legacy: PhaseOutcome["legacy"] = [];
  for (const [i, outcome] of legacyOutcome.entries()) {
    const detail = await transferDetail(portal.url, seed.tokens[1], outcome.upload.transferId);
    const attempt = detail.attempts.at(-1) as AttemptWithTranscript;
    const attemptStart = Date.parse(attempt.startedAt);
    const attemptEnd = Date.parse(attempt.finishedAt ?? detail.deliveredAt!);
    activities.push({ kind: "legacy relays", label: `legacy relay ${i + 1}`, start: attemptStart, end: attemptEnd });
    const at = (pattern: RegExp) => Date.parse(attempt.transcript?.find((l) => pattern.test(l.message))?.at ?? "");
    const agreed = attempt.transcript?.find((l) => /^Agreed: kex /.test(l.message))?.message;
    legacy.push({
      attemptMs: attempt.durationMs ?? attemptEnd - attemptStart,
      connectToAuthMs: at(/^User authenticated OK/) - at(/^Connecting to /),
      uploadToDeliveredMs: outcome.deliveredAt - (start + outcome.upload.startedAtMs),
      kex: agreed ? /kex (\S+),/.exec(agreed)?.[1] : undefined,
    });
    await checkLanded(context.payer.incomingDir, files.legacy[i].name, files.legacy[i], "the legacy payer");
    await rm(files.legacy[i].path, { force: true });
  }
  let relay: PhaseOutcome["relay"];
  if (relayOutcome && files.relay) {
    const detail = await transferDetail(portal.url, prepared.seed.tokens[2], relayOutcome.upload.transferId);
    const attempt = detail.attempts.at(-1)!;
    const attemptStart = Date.parse(attempt.startedAt);
    const attemptEnd = Date.parse(attempt.finishedAt ?? detail.deliveredAt!);
    activities.push({ kind: "large relay", label: `${config.relayMiB} MiB relay to the sandbox payer`, start: attemptStart, end: attemptEnd });
    relay = {
      bytes: files.relay.bytes,
      uploadMs: relayOutcome.upload.elapsedMs,
      relayMs: attempt.durationMs ?? attemptEnd - attemptStart,
      uploadToDeliveredMs: relayOutcome.deliveredAt - (start + relayOutcome.upload.startedAtMs),
    };
    await checkLanded(prepared.landingDir, files.relay.name, files.relay, SANDBOX_PAYER);
    await rm(files.relay.path, { force: true });
  }
  if (files.keys.length) await verifyKeysListed(portal.url, cookie, files.keys);
  return { name, loads, start, end, cpu, activities, legacy, relay, keys };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** GET /api/health/details with a monitoring token: the portal's event-loop delay windows. */
function eventLoopPoller(baseUrl: string, token: string) {
  const windows = new Map<string, EventLoopWindow>();
  const maxBeforeLoad = new Map<string, number | null>();
  let resolutionMs = 0;
  let error: string | undefined;
  const keep = (window: EventLoopWindow | null | undefined) => {
    if (!window) return;
    const known = windows.get(window.startedAt);
    if (!known || known.lengthMs <= window.lengthMs) windows.set(window.startedAt, window);
  };
  return {
    /** Remembers each window's max so far: what the load adds shows against it. */
    markLoadStart(): void {
      for (const [startedAt, window] of windows) maxBeforeLoad.set(startedAt, window.maxMs);
    },
    async poll(): Promise<void> {
      try {
        const response = await fetch(`${baseUrl}/api/health/details`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(120_000) });
        const body = (await response.json()) as { eventLoop?: { started: boolean; message?: string; resolutionMs?: number; current?: EventLoopWindow; lastMinute?: EventLoopWindow | null } };
        if (!response.ok) throw new Error(`answered ${response.status}`);
        if (!body.eventLoop) throw new Error("no eventLoop figures in /api/health/details");
        if (!body.eventLoop.started) throw new Error(body.eventLoop.message ?? "the event-loop monitor is not started");
        resolutionMs = body.eventLoop.resolutionMs ?? 0;
        keep(body.eventLoop.current);
        keep(body.eventLoop.lastMinute);
      } catch (e) {
        error = (e as Error).message;
      }
    },
    overlapping(start: number, end: number): ResponsivenessResult["eventLoop"] {
      if (windows.size === 0) return error ? { resolutionMs, windows: [], error } : undefined;
      const overlapping = [...windows.values()]
        .filter((w) => Date.parse(w.startedAt) <= end && Date.parse(w.startedAt) + w.lengthMs >= start)
        .sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt))
        .map((w) => (maxBeforeLoad.has(w.startedAt) ? { ...w, maxBeforeLoadMs: maxBeforeLoad.get(w.startedAt) } : w));
      return { resolutionMs, windows: overlapping, ...(error ? { error } : {}) };
    },
  };
}
