import { describe, expect, it } from "vitest";
import type { DestinationSpec } from "@/lib/transfers/types";
import { GUIDES, guideBySlug, guideForCode } from "@/lib/guides/catalog";
import { guideTexts } from "@/lib/guides/guide-text.test-support";
import { egressIpSentence, egressIpsInProse } from "@/lib/guides/placeholders";
import { guideContextFor, renderGuide } from "@/lib/guides/render";
import type { GuideContext } from "@/lib/guides/types";

const LEFTOVER = /\{[A-Za-z]+\}/;

const ftpsDestination: DestinationSpec = {
  id: "d-ftps",
  name: "Communicator FTPS",
  protocol: "ftps_explicit",
  host: "data.payer.example",
  port: 21,
  remoteDir: "/inbound",
  auth: "password",
  algorithmProfile: "modern",
  hostKeyFingerprints: [],
  tls: { mode: "pinned", certSha256: ["AB:CD:EF:01"] },
  passivePortRange: { min: 53000, max: 54999 },
  uploadStrategy: "temp_then_rename",
  tempSuffix: ".part",
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
};

const contexts: Record<string, GuideContext> = {
  empty: { egressIps: [] },
  sftp: {
    egressIps: ["203.0.113.10"],
    protocol: "sftp",
    host: "sftp.payer.example",
    port: 22,
    username: "S000050",
    remoteDir: "/incoming",
    hostKeyFingerprints: ["SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"],
  },
  ftps: guideContextFor(ftpsDestination, { egressIps: ["203.0.113.10", "203.0.113.11"], username: "clinic7" }),
};

describe("renderGuide", () => {
  it.each(Object.keys(contexts))("leaves no placeholder in any guide (%s context)", (name) => {
    for (const guide of GUIDES) {
      const rendered = renderGuide(guide, contexts[name]);
      for (const text of [...guideTexts(rendered), ...rendered.supportNotes]) expect(text, `${guide.slug}: ${text}`).not.toMatch(LEFTOVER);
    }
  });

  it("fills values from the destination", () => {
    const rendered = renderGuide(guideForCode("PASV_BLOCKED"), contexts.ftps);
    const text = guideTexts(rendered).join("\n");
    expect(text).toContain("data.payer.example");
    expect(text).toContain("53000-54999");
    expect(text).toContain("203.0.113.10 and 203.0.113.11");
    expect(rendered.partnerItSteps.find((step) => step.command?.includes("iptables"))?.command).toContain("--dport 53000:54999");
  });

  it("says the egress IP is not configured yet, and that support has it, instead of printing an empty list", () => {
    const rendered = renderGuide(guideBySlug("egress-ip-allow-list")!, { egressIps: [] });
    const text = guideTexts(rendered).join("\n");
    expect(text).toContain("the portal's operator has not configured its egress IP yet");
    expect(text).toContain("support can provide it");
    expect(text).not.toMatch(/allow-list .*\(\s*\)|,\s*,|\band\s*\./);
    expect(egressIpsInProse(["", " "])).toContain("has not configured its egress IP yet");
    expect(egressIpSentence([])).toMatch(/has not configured its egress IP yet.*support can provide it/);
  });

  it("shows the configured egress IPs when there are some", () => {
    const text = guideTexts(renderGuide(guideBySlug("egress-ip-allow-list")!, { egressIps: ["198.51.100.7"] })).join("\n");
    expect(text).toContain("198.51.100.7");
    expect(text).not.toContain("not configured");
    expect(egressIpSentence(["198.51.100.7", "198.51.100.8"])).toBe(
      "The portal connects to payers only from the fixed addresses 198.51.100.7 and 198.51.100.8.",
    );
  });

  it("drops steps meant for the other protocol family", () => {
    const guide = guideForCode("TIMEOUT_IDLE");
    const ftpsOnly = guide.partnerItSteps.filter((step) => step.protocols?.length === 1 && step.protocols[0] === "ftps");
    expect(ftpsOnly.length).toBeGreaterThan(0);
    expect(renderGuide(guide, contexts.sftp).partnerItSteps).toHaveLength(guide.partnerItSteps.length - ftpsOnly.length);
    expect(renderGuide(guide, contexts.ftps).partnerItSteps).toHaveLength(guide.partnerItSteps.length);
  });

  it("turns missing values into readable words in prose and visible slots in commands", () => {
    const rendered = renderGuide(guideForCode("TCP_TIMEOUT"), { egressIps: [] });
    expect(rendered.summary).toContain("the payer's server");
    const commands = rendered.partnerItSteps.flatMap((step) => (step.command ? [step.command] : []));
    expect(commands).toContain("Test-NetConnection <payer-host> -Port <port>");
  });
});
