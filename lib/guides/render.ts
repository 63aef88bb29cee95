import type { DestinationSpec, Protocol } from "@/lib/transfers/types";
import { commandValues, fillPlaceholders, proseValues } from "@/lib/guides/placeholders";
import type { Guide, GuideContext, ProtocolFamily, RenderedGuide, Step } from "@/lib/guides/types";

export function protocolFamily(protocol: Protocol): ProtocolFamily {
  return protocol === "sftp" ? "sftp" : "ftps";
}

/** The context a destination page has: everything from the destination, plus who is asking. */
export function guideContextFor(
  destination: DestinationSpec,
  extra: { egressIps: string[]; username?: string },
): GuideContext {
  return {
    egressIps: extra.egressIps,
    username: extra.username,
    protocol: destination.protocol,
    host: destination.host,
    port: destination.port,
    passiveRange: destination.passivePortRange,
    remoteDir: destination.remoteDir,
    hostKeyFingerprints: destination.hostKeyFingerprints,
    certificateFingerprints: destination.tls.mode === "pinned" ? destination.tls.certSha256 : undefined,
  };
}

/**
 * Fill a guide's placeholders. With a known protocol, steps meant for the other protocol family
 * are left out: an SFTP partner should not be told to open a passive port range.
 */
export function renderGuide(guide: Guide, context: GuideContext): RenderedGuide {
  const prose = proseValues(context);
  const commands = commandValues(context);
  const family = context.protocol ? protocolFamily(context.protocol) : undefined;
  const text = (value: string) => fillPlaceholders(value, prose);
  const steps = (list: Step[]) =>
    list
      .filter((step) => !family || !step.protocols || step.protocols.includes(family))
      .map((step) => ({
        text: text(step.text),
        ...(step.command !== undefined ? { command: fillPlaceholders(step.command, commands) } : {}),
      }));
  return {
    slug: guide.slug,
    kind: guide.kind,
    codes: [...guide.codes],
    title: text(guide.title),
    protocols: [...guide.protocols],
    summary: text(guide.summary),
    meaning: text(guide.meaning),
    causes: guide.causes.map(text),
    partnerItSteps: steps(guide.partnerItSteps),
    userSteps: steps(guide.userSteps),
    supportNotes: (guide.supportNotes ?? []).map(text),
    related: [...guide.related],
  };
}
