import { existsSync } from "node:fs";
import { KDF_LIMITS } from "@/lib/keys/kdf-limits";
import { positiveInteger, subsetFromEnv } from "../shared/config";
import { BenchSetupError } from "../shared/errors";
import { assertPrerequisites, missingTools, type RequiredTool } from "../shared/tools";

/**
 * Knobs of the responsiveness part of `npm run bench:pipeline` (PIPELINE_PARTS=responsiveness), read
 * once from the environment. The defaults are the issue's: 4 legacy deliveries, a 1 GiB relay and 4
 * private-key uploads at the highest KDF cost the portal accepts, all at once, while one client
 * asks `/api/health` over and over.
 */
export interface ResponsivenessConfig {
  /** The large upload relayed to the demo sandbox SFTP payer during the load. */
  relayMiB: number;
  /** Small API uploads relayed to the legacy payer (gex-sha1, 8192-bit group). */
  legacyDeliveries: number;
  legacyFileKiB: number;
  /** Encrypted private keys uploaded through the Keys & credentials form. */
  keyUploads: number;
  /** How the key form is posted: as a browser with JavaScript does (default) or without (key-uploads.ts, KeyPostMode). */
  keyPost: "browser" | "no-js";
  /** Pause between one health answer and the next request (one client, sequential). */
  healthIntervalMs: number;
  /** Health sampling before the load starts, for the at-rest figures. */
  idleSampleMs: number;
  /** Interleaved handshake runs per client (portal engine, OpenSSH sftp) against the legacy payer. */
  handshakeRuns: number;
  /** Which loads run (all by default); a subset shows what each one costs on its own. */
  loads: Array<"legacy" | "relay" | "keys">;
  /** After the loads at once, each load again on its own (PIPELINE_RESPONSIVENESS_ISOLATE=0 skips it). */
  isolate: boolean;
  /** The target for the health endpoint's p99 under this load. */
  p99TargetMs: number;
  /** The KDF costs the key files are written with: the highest lib/keys/kdf-limits.ts allows. */
  kdf: { bcryptRounds: number; argon2MemoryKiB: number; argon2Passes: number; argon2Parallelism: number };
}

const LOADS = ["legacy", "relay", "keys"] as const;

function keyPost(): ResponsivenessConfig["keyPost"] {
  const raw = process.env.PIPELINE_RESPONSIVENESS_KEY_POST || "browser";
  if (raw !== "browser" && raw !== "no-js") throw new BenchSetupError(`PIPELINE_RESPONSIVENESS_KEY_POST is "browser" or "no-js", got "${raw}".`);
  return raw;
}

/**
 * The most expensive key files the portal still accepts. Argon2's memory × passes is capped as a
 * product; at the cap, the most memory (fewest passes) costs the most time (kdf-limits.ts measures
 * 64 MiB × 8 passes at ~0.45 s against ~0.17 s for 8 MiB × 64), so that is what the PPK keys use.
 */
function highestKdfCost(): ResponsivenessConfig["kdf"] {
  const limits = KDF_LIMITS as typeof KDF_LIMITS & { argon2MemoryTimesPasses?: number };
  const memory = limits.argon2MemoryKiB;
  const product = limits.argon2MemoryTimesPasses ?? memory * limits.argon2Passes;
  return {
    bcryptRounds: limits.bcryptRounds,
    argon2MemoryKiB: memory,
    argon2Passes: Math.max(1, Math.min(limits.argon2Passes, Math.floor(product / memory))),
    argon2Parallelism: limits.argon2Parallelism,
  };
}

export function readResponsivenessConfig(): ResponsivenessConfig {
  return {
    relayMiB: positiveInteger("PIPELINE_RESPONSIVENESS_RELAY_MIB", 1024, 10_239),
    legacyDeliveries: positiveInteger("PIPELINE_RESPONSIVENESS_LEGACY", 4, 16),
    legacyFileKiB: 64,
    keyUploads: positiveInteger("PIPELINE_RESPONSIVENESS_KEYS", 4, 16),
    keyPost: keyPost(),
    healthIntervalMs: positiveInteger("PIPELINE_RESPONSIVENESS_HEALTH_MS", 25, 1000),
    idleSampleMs: 5_000,
    handshakeRuns: positiveInteger("PIPELINE_RESPONSIVENESS_HANDSHAKES", 5, 50),
    loads: subsetFromEnv("PIPELINE_RESPONSIVENESS_LOADS", LOADS),
    isolate: process.env.PIPELINE_RESPONSIVENESS_ISOLATE !== "0",
    p99TargetMs: 100,
    kdf: highestKdfCost(),
  };
}

const TOOLS: RequiredTool[] = [
  { path: "/usr/sbin/sshd", debianPackage: "openssh-server", why: "the legacy payer (gex-sha1 only)" },
  { path: "/usr/bin/ssh", debianPackage: "openssh-client", why: "recording the legacy payer's host key" },
  { path: "/usr/bin/sftp", debianPackage: "openssh-client", why: "the reference client for the legacy handshake" },
  { path: "/usr/bin/ssh-keygen", debianPackage: "openssh-client", why: "the partner keys (bcrypt KDF) and fingerprints" },
  { path: "/usr/bin/sshpass", debianPackage: "sshpass", why: "giving the password to the reference sftp client" },
  { path: "/usr/bin/puttygen", debianPackage: "putty-tools", why: "PuTTY .ppk v3 keys at the Argon2 limits" },
];

/** Fail before anything starts, naming every missing piece. */
export function assertResponsivenessTools(): void {
  const problems = missingTools(TOOLS);
  if (!existsSync("/etc/ssh/moduli")) problems.push("  - /etc/ssh/moduli (the legacy payer's Diffie-Hellman groups): apt-get install -y openssh-server");
  assertPrerequisites("bench:pipeline: the responsiveness part cannot run, missing:", problems);
}
