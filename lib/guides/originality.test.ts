import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { DestinationSpec } from "@/lib/transfers/types";
import { GUIDES } from "@/lib/guides/catalog";
import { clientSetup } from "@/lib/guides/client-setup";
import { guideTexts } from "@/lib/guides/guide-text.test-support";

const SEEDS_DIR = "/work/shared/seeds";
const SEED_FILES = ["fl-edi-sftp-troubleshooting-guide.txt", "communicator-ftps-setup-guide.txt"];
const RUN = 8;

/** Case- and punctuation-insensitive words; apostrophes vanish so "FL's" and "FL’s" agree. */
function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/['’`]/g, "")
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

function runs(text: string): string[] {
  const list = words(text);
  const result: string[] = [];
  for (let i = 0; i + RUN <= list.length; i += 1) result.push(list.slice(i, i + RUN).join(" "));
  return result;
}

const seedRuns = new Set(SEED_FILES.flatMap((file) => runs(readFileSync(path.join(SEEDS_DIR, file), "utf8"))));

const destination: DestinationSpec = {
  id: "d1",
  name: "Payer",
  protocol: "sftp",
  host: "sftp.payer.example",
  port: 22,
  remoteDir: "/incoming",
  auth: "password_and_key",
  algorithmProfile: "legacy",
  hostKeyFingerprints: ["SHA256:abc"],
  tls: { mode: "ca" },
  uploadStrategy: "temp_then_rename",
  tempSuffix: ".part",
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
};

function setupTexts(spec: DestinationSpec): string[] {
  const setup = clientSetup(spec, { egressIps: [], username: "u1" });
  return [
    setup.network.portalEgress,
    setup.network.ownClient,
    ...setup.network.firewallRules,
    ...setup.warnings,
    ...[setup.filezilla, setup.winscp].flatMap((client) => [...client.steps, ...client.fields.flatMap((f) => [f.label, f.value, f.note ?? ""])]),
    ...setup.commandLine.map((command) => command.purpose),
    setup.knownHosts?.explanation ?? "",
  ];
}

describe("originality", () => {
  it("reads both seed files (the check is meaningless without them)", () => {
    expect(seedRuns.size).toBeGreaterThan(1000);
  });

  it("copies no run of 8 consecutive words from the seed guides", () => {
    const texts = [
      ...GUIDES.flatMap((guide) => guideTexts(guide).map((text) => ({ where: guide.slug, text }))),
      ...[
        destination,
        { ...destination, protocol: "ftps_explicit" as const, port: 21, passivePortRange: { min: 53000, max: 54999 } },
        { ...destination, protocol: "ftps_implicit" as const, port: 990 },
      ].flatMap((spec) => setupTexts(spec).map((text) => ({ where: `client setup ${spec.protocol}`, text }))),
    ];
    const copied = texts.flatMap(({ where, text }) => runs(text).filter((run) => seedRuns.has(run)).map((run) => `${where}: "${run}"`));
    expect(copied).toEqual([]);
  });

  it("would notice a copied sentence", () => {
    const copiedSentence = "If you are able to connect to Communicator's FTP servers yet attempts to perform directory listings fail";
    expect(runs(copiedSentence).some((run) => seedRuns.has(run))).toBe(true);
  });
});
