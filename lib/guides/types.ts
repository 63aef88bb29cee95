import type { TransferErrorCode } from "@/lib/transfers/errors";
import type { Protocol } from "@/lib/transfers/types";

/** The two protocol families a guide can be about; explicit and implicit FTPS share one family. */
export type ProtocolFamily = "sftp" | "ftps";

/** One instruction. `text` is prose for people; `command` is something to type, rendered with command-style fallbacks. */
export interface Step {
  text: string;
  command?: string;
  /** Only shown when the destination uses one of these families; absent means always. */
  protocols?: ProtocolFamily[];
}

export interface Guide {
  slug: string;
  /** "code" guides explain failure codes; "article" guides explain a topic several codes point to. */
  kind: "code" | "article";
  codes: TransferErrorCode[];
  title: string;
  protocols: ProtocolFamily[];
  /** One plain sentence: what failed (or, for an article, what it explains). */
  summary: string;
  meaning: string;
  /** Most likely first. */
  causes: string[];
  /** For the partner's IT contact (firewall, keys, talking to the payer's technical team). */
  partnerItSteps: Step[];
  /** For the person in the office who uploads the files. */
  userSteps: Step[];
  /** What our support team should check before answering. */
  supportNotes?: string[];
  related: string[];
  keywords: string[];
}

/** Values that fill the `{placeholders}` in guide text. Everything is optional except the egress list. */
export interface GuideContext {
  egressIps: string[];
  protocol?: Protocol;
  host?: string;
  port?: number;
  passiveRange?: { min: number; max: number };
  username?: string;
  remoteDir?: string;
  hostKeyFingerprints?: string[];
  certificateFingerprints?: string[];
}

export interface RenderedStep {
  text: string;
  command?: string;
}

export interface RenderedGuide {
  slug: string;
  kind: Guide["kind"];
  codes: TransferErrorCode[];
  title: string;
  protocols: ProtocolFamily[];
  summary: string;
  meaning: string;
  causes: string[];
  partnerItSteps: RenderedStep[];
  userSteps: RenderedStep[];
  supportNotes: string[];
  related: string[];
}
