import { randomInt } from "node:crypto";
import { readEnvelope, sameControlNumber, type GroupFacts, type InterchangeFacts, type TransactionSetFacts } from "@/lib/x12/envelope";
import { element, readSegments, type X12Delimiters, type X12Input, type X12Segment } from "@/lib/x12/tokenizer";
import { X12FormatError } from "@/lib/x12/unreadable";
import { ccyymmdd, hhmm, julianDay, yy, yymmdd } from "@/lib/sandbox/x12-dates";

/*
 * What the sandbox payer answers to a submitted file, as real payers do: a TA1 on the envelope,
 * a 999 on each functional group (implementation acknowledgement, 005010X231A1) and a 277CA on
 * the claims of every accepted 837 (005010X214). Each answer is a whole interchange from the payer
 * back to the submitter (ISA06/ISA08 swapped), with its own control numbers.
 *
 * The sandbox checks only a few things, each answered where a payer would answer it:
 * - the envelope (ISA13 ≠ IEA02, IEA01 wrong, file cut short, anything our envelope reader
 *   refuses): TA1 rejected, and nothing more is sent;
 * - a billing provider (loop 2010AA) without an NPI: the 999 rejects the transaction set with
 *   IK3/IK4 naming the NM1 and CTX naming each claim; no 277CA is sent for a rejected set;
 * - a claim whose total charge (CLM02) is missing or not above zero: accepted by the 999,
 *   rejected in the 277CA (STC A7:178, submitted charges).
 */

export interface AnswerOptions {
  /** The payer's clock (tests fix it). */
  now?: Date;
  /** Supplies the answers' ISA13/GS06 numbers and payer claim numbers; a process-wide sequence by default. */
  nextControlNumber?: () => number;
  /** Written after each segment terminator; "\n" by default ("" when the terminator is itself a line break). */
  lineBreak?: string;
  /** NM1*PR name when the 837 names none (NM1*40). */
  payerName?: string;
}

export interface PayerAnswers {
  ta1: string;
  /** Null when the TA1 rejects the interchange or it has no functional group. */
  ack999: string | null;
  /** Null when no 837 transaction set was accepted by the 999. */
  claimAck277: string | null;
}

const ACK_999_GUIDE = "005010X231A1";
const CLAIM_ACK_GUIDE = "005010X214";
export const DEFAULT_PAYER_NAME = "SANDBOX HEALTH PLAN";
/** TA105 note codes the sandbox uses (X12 interchange note codes). */
const TA1_NOTE = { none: "000", controlNumberMismatch: "001", usageIndicator: "020", groupCount: "021", prematureEnd: "023", invalidContent: "024" } as const;

let sequence = randomInt(1, 900_000_000);
/** ISA13s are unique for the life of the process and unlikely to repeat across restarts. */
function nextSequenceNumber(): number {
  sequence = (sequence % 999_999_999) + 1;
  return sequence;
}

/**
 * The TA1, 999 and 277CA a payer sends back for `submission`, or null when it is not X12 at all (no
 * ISA to answer to: a payer sends nothing). The submission is the file's bytes or text, or a
 * function that opens it as a stream: it is read twice, and a file read as a stream is never held
 * in memory whole.
 */
export async function buildPayerAnswers(submission: string | Uint8Array | (() => X12Input), options: AnswerOptions = {}): Promise<PayerAnswers | null> {
  const open = typeof submission === "function" ? submission : () => submission;
  const scanned = await scanSubmission(open());
  if (!scanned) return null;
  const context = answerContext(scanned.interchanges[0], options);
  const envelope = await readEnvelope(open());
  if (envelope.kind === "unreadable") {
    const rejections = scanned.interchanges.map((interchange) => ({ interchange, accepted: false, code: envelopeFault(interchange, scanned.cutShort) }));
    return { ta1: writeTa1(context, rejections), ack999: null, claimAck277: null };
  }

  const ta1 = writeTa1(context, scanned.interchanges.map((interchange) => ({ interchange, accepted: true, code: TA1_NOTE.none })));
  const sets = pairSets(envelope.interchanges, scanned.interchanges);
  const groups = envelope.interchanges.flatMap((interchange) => interchange.groups);
  if (groups.length === 0) return { ta1, ack999: null, claimAck277: null };
  const verdicts = new Map(sets.map((set) => [set, judgeSet(set)]));
  const ack999 = write999(context, groups, sets, verdicts);
  const accepted = sets.filter((set) => verdicts.get(set)?.accepted && set.facts.id === "837");
  const claimAck277 = accepted.length > 0 ? write277(context, accepted) : null;
  return { ta1, ack999, claimAck277 };
}

// ---------------------------------------------------------------------------------------------
// Reading the submission: the raw envelope (which our envelope reader refuses to report when it
// is broken) and, per transaction set, what the answers need: providers, patients, claims.

interface ScannedInterchange {
  isa: string[];
  delimiters: X12Delimiters;
  groupCount: number;
  trailer: { groupCount: string; controlNumber: string } | null;
  sets: ScannedSet[];
}

interface Party {
  name: string;
  firstName: string;
  idQualifier: string;
  id: string;
}

interface ScannedProvider extends Party {
  /** IK302: the NM1*85 position counted from ST = 1. */
  position: number;
  taxId: string;
  claims: ScannedClaim[];
}

interface ScannedClaim {
  patientControlNumber: string;
  totalCharge: string;
  patient: Party | null;
  serviceDates: string[];
  provider: ScannedProvider | null;
}

interface ScannedSet {
  submitter: Party | null;
  receiver: Party | null;
  providers: ScannedProvider[];
  claims: ScannedClaim[];
}

interface Scan {
  interchanges: ScannedInterchange[];
  /** The file stopped being X12 after its first ISA (a cut or corrupted file). */
  cutShort: boolean;
}

async function scanSubmission(submission: X12Input): Promise<Scan | null> {
  const interchanges: ScannedInterchange[] = [];
  let interchange: ScannedInterchange | null = null;
  let set: SetScanner | null = null;
  let cutShort = false;
  try {
    for await (const segment of readSegments(submission)) {
      if (segment.id === "ISA") {
        interchange = { isa: segment.elements, delimiters: segment.delimiters, groupCount: 0, trailer: null, sets: [] };
        interchanges.push(interchange);
      } else if (!interchange) continue;
      else if (segment.id === "IEA") {
        interchange.trailer = { groupCount: element(segment, 1), controlNumber: element(segment, 2) };
        interchange = null;
      } else if (segment.id === "GS") interchange.groupCount++;
      else if (segment.id === "ST") {
        set = new SetScanner();
        interchange.sets.push(set.result);
      } else if (segment.id === "SE") set = null;
      else set?.accept(segment);
    }
  } catch (error) {
    if (!(error instanceof X12FormatError)) throw error;
    cutShort = true;
  }
  return interchanges.length > 0 ? { interchanges, cutShort } : null;
}

/** Follows one 837's hierarchy (HL 20 billing provider, 22 subscriber, 23 patient) to its claims. */
class SetScanner {
  readonly result: ScannedSet = { submitter: null, receiver: null, providers: [], claims: [] };
  private position = 1;
  private level = "";
  private provider: ScannedProvider | null = null;
  private subscriber: Party | null = null;
  private patient: Party | null = null;
  private claim: ScannedClaim | null = null;

  accept(segment: X12Segment): void {
    this.position++;
    switch (segment.id) {
      case "HL":
        this.openLevel(element(segment, 3));
        return;
      case "NM1":
        this.readName(segment);
        return;
      case "REF":
        if (this.level === "20" && !this.claim && this.provider && element(segment, 1) === "EI") this.provider.taxId = element(segment, 2);
        return;
      case "CLM":
        this.claim = {
          patientControlNumber: element(segment, 1),
          totalCharge: element(segment, 2),
          patient: this.patient ?? this.subscriber,
          serviceDates: [],
          provider: this.provider,
        };
        this.result.claims.push(this.claim);
        this.provider?.claims.push(this.claim);
        return;
      case "DTP":
        if (this.claim && element(segment, 1) === "472") this.claim.serviceDates.push(...element(segment, 3).split("-").filter(Boolean));
        return;
      default:
        return;
    }
  }

  private openLevel(code: string): void {
    this.level = code;
    this.claim = null;
    if (code === "20") {
      this.provider = null;
      this.subscriber = null;
    }
    if (code === "20" || code === "22") this.patient = null;
  }

  private readName(segment: X12Segment): void {
    const party: Party = { name: element(segment, 3), firstName: element(segment, 4), idQualifier: element(segment, 8), id: element(segment, 9) };
    const entity = element(segment, 1);
    if (this.level === "" && entity === "41") this.result.submitter = party;
    else if (this.level === "" && entity === "40") this.result.receiver = party;
    else if (this.level === "20" && entity === "85" && !this.claim) {
      this.provider = { ...party, position: this.position, taxId: "", claims: [] };
      this.result.providers.push(this.provider);
    } else if (this.level === "22" && entity === "IL" && !this.claim) this.subscriber = party;
    else if (this.level === "23" && entity === "QC" && !this.claim) this.patient = { ...party, idQualifier: this.subscriber?.idQualifier ?? "", id: this.subscriber?.id ?? "" };
  }
}

/** Why the TA1 rejects an interchange our envelope reader refused. */
function envelopeFault(interchange: ScannedInterchange, cutShort: boolean): string {
  const usage = interchange.isa[15];
  if (usage !== "T" && usage !== "P") return TA1_NOTE.usageIndicator;
  if (!interchange.trailer) return cutShort ? TA1_NOTE.invalidContent : TA1_NOTE.prematureEnd;
  if (!sameControlNumber(interchange.trailer.controlNumber, interchange.isa[13])) return TA1_NOTE.controlNumberMismatch;
  if (Number(interchange.trailer.groupCount) !== interchange.groupCount) return TA1_NOTE.groupCount;
  return TA1_NOTE.invalidContent;
}

interface SubmittedSet {
  interchange: InterchangeFacts;
  group: GroupFacts;
  facts: TransactionSetFacts;
  content: ScannedSet;
}

/** The envelope reader's facts beside the scan's content: both walk the same sound file in order. */
function pairSets(interchanges: InterchangeFacts[], scanned: ScannedInterchange[]): SubmittedSet[] {
  const contents = scanned.flatMap((interchange) => interchange.sets);
  const sets = interchanges.flatMap((interchange) => interchange.groups.flatMap((group) => group.transactionSets.map((facts) => ({ interchange, group, facts }))));
  return sets.map((set, index) => ({ ...set, content: contents[index] }));
}

// ---------------------------------------------------------------------------------------------
// Judging: what the 999 says about each transaction set.

interface SegmentDefect {
  segmentId: string;
  position: number;
  loopId: string;
  code: string;
  /** IK401 position, IK402 data element number, IK403 code. */
  elements: Array<{ position: number; reference: string; code: string }>;
  claims: string[];
}

interface SetVerdict {
  accepted: boolean;
  /** IK502: 1 not supported, 5 segments in error. */
  errorCode: string;
  defects: SegmentDefect[];
}

function judgeSet(set: SubmittedSet): SetVerdict {
  if (set.facts.id !== "837") return { accepted: false, errorCode: "1", defects: [] };
  const defects = set.content.providers
    .filter((provider) => provider.id.trim() === "" || provider.idQualifier.trim() === "")
    .map((provider): SegmentDefect => {
      const elements = [];
      if (provider.idQualifier.trim() === "") elements.push({ position: 8, reference: "66", code: "1" });
      if (provider.id.trim() === "") elements.push({ position: 9, reference: "67", code: "1" });
      return { segmentId: "NM1", position: provider.position, loopId: "2010AA", code: "8", elements, claims: provider.claims.map((claim) => claim.patientControlNumber) };
    });
  return defects.length > 0 ? { accepted: false, errorCode: "5", defects } : { accepted: true, errorCode: "", defects };
}

function claimIsPayable(claim: ScannedClaim): boolean {
  const cents = toCents(claim.totalCharge);
  return cents !== null && cents > 0;
}

// ---------------------------------------------------------------------------------------------
// Writing.

interface AnswerContext {
  delimiters: X12Delimiters;
  /** The submission's ISA, whose parties the answers swap. */
  isa: string[];
  now: Date;
  nextControlNumber: () => number;
  lineBreak: string;
  payerName: string;
}

function answerContext(interchange: ScannedInterchange, options: AnswerOptions): AnswerContext {
  const delimiters = interchange.delimiters;
  const breaksLines = delimiters.segment === "\n" || delimiters.segment === "\r";
  return {
    delimiters,
    isa: interchange.isa,
    now: options.now ?? new Date(),
    nextControlNumber: options.nextControlNumber ?? nextSequenceNumber,
    lineBreak: breaksLines ? "" : (options.lineBreak ?? "\n"),
    payerName: options.payerName ?? DEFAULT_PAYER_NAME,
  };
}

type Element = string | string[];

/** One outgoing interchange: counts segments of each set and closes every envelope with the right numbers. */
class InterchangeWriter {
  readonly controlNumber: string;
  private readonly lines: string[] = [];
  private groups = 0;
  private group: { controlNumber: string; sets: number } | null = null;
  private set: { controlNumber: string; segments: number } | null = null;

  constructor(private readonly context: AnswerContext) {
    this.controlNumber = String(context.nextControlNumber() % 1_000_000_000).padStart(9, "0");
    const { isa, now, delimiters } = context;
    // A usage indicator that is neither T nor P is what the TA1 rejects; the TA1 itself must still be readable.
    const usage = isa[15] === "P" ? "P" : "T";
    // Sender and receiver swap: the answer goes from the submission's receiver back to its sender.
    this.raw(
      ["ISA", "00", " ".repeat(10), "00", " ".repeat(10), isa[7], isa[8], isa[5], isa[6], yymmdd(now), hhmm(now), isa[11], isa[12], this.controlNumber, "0", usage, delimiters.component].join(delimiters.element),
    );
  }

  segment(id: string, ...elements: Element[]): void {
    const { element: separator, component } = this.context.delimiters;
    const values = elements.map((value) => (Array.isArray(value) ? trimEnd(value.map((part) => this.clean(part))).join(component) : this.clean(value)));
    this.raw([id, ...trimEnd(values)].join(separator));
    if (this.set) this.set.segments++;
  }

  openGroup(functionalId: string, senderCode: string, receiverCode: string, version: string): void {
    this.group = { controlNumber: String(Number(this.controlNumber)), sets: 0 };
    this.groups++;
    this.segment("GS", functionalId, senderCode, receiverCode, ccyymmdd(this.context.now), hhmm(this.context.now), this.group.controlNumber, "X", version);
  }

  openSet(id: string, guide: string): void {
    if (!this.group) throw new Error("a transaction set needs a functional group");
    this.group.sets++;
    const controlNumber = String(this.group.sets).padStart(4, "0");
    this.set = { controlNumber, segments: 0 };
    this.segment("ST", id, controlNumber, guide);
  }

  /** ST02 of the open transaction set. */
  get setControlNumber(): string {
    return this.set?.controlNumber ?? "";
  }

  closeSet(): void {
    if (!this.set) return;
    const { controlNumber, segments } = this.set;
    this.segment("SE", String(segments + 1), controlNumber);
    this.set = null;
  }

  closeGroup(): void {
    if (!this.group) return;
    this.segment("GE", String(this.group.sets), this.group.controlNumber);
    this.group = null;
  }

  finish(): string {
    this.segment("IEA", String(this.groups), this.controlNumber);
    const { segment } = this.context.delimiters;
    return this.lines.map((line) => `${line}${segment}${this.context.lineBreak}`).join("");
  }

  private raw(text: string): void {
    this.lines.push(text);
  }

  /** Values come from the submission or from us: never let one carry a delimiter of the answer. */
  private clean(value: string): string {
    const { element: separator, component, repetition, segment } = this.context.delimiters;
    let text = value;
    for (const delimiter of [separator, component, repetition, segment]) if (delimiter) text = text.split(delimiter).join(" ");
    return text.replace(/[\r\n]/g, " ");
  }
}

function writeTa1(context: AnswerContext, notes: Array<{ interchange: ScannedInterchange; accepted: boolean; code: string }>): string {
  const writer = new InterchangeWriter(context);
  for (const { interchange, accepted, code } of notes) {
    writer.segment("TA1", interchange.isa[13], interchange.isa[9], interchange.isa[10], accepted ? "A" : "R", code);
  }
  return writer.finish();
}

function write999(context: AnswerContext, groups: GroupFacts[], sets: SubmittedSet[], verdicts: Map<SubmittedSet, SetVerdict>): string {
  const writer = new InterchangeWriter(context);
  writer.openGroup("FA", groups[0].receiverCode, groups[0].senderCode, ACK_999_GUIDE);
  for (const group of groups) {
    writer.openSet("999", ACK_999_GUIDE);
    writer.segment("AK1", group.functionalId, group.controlNumber, group.version);
    const groupSets = sets.filter((set) => set.group === group);
    let accepted = 0;
    for (const set of groupSets) {
      const verdict = verdicts.get(set)!;
      writer.segment("AK2", set.facts.id, set.facts.controlNumber, set.facts.implementationReference ?? "");
      for (const defect of verdict.defects) {
        writer.segment("IK3", defect.segmentId, String(defect.position), defect.loopId, defect.code);
        for (const claim of defect.claims) writer.segment("CTX", ["CLM01", claim]);
        for (const bad of defect.elements) writer.segment("IK4", String(bad.position), bad.reference, bad.code);
      }
      if (verdict.accepted) accepted++;
      writer.segment("IK5", verdict.accepted ? "A" : "R", verdict.errorCode);
    }
    const status = accepted === groupSets.length ? "A" : accepted === 0 ? "R" : "P";
    writer.segment("AK9", status, String(groupSets.length), String(groupSets.length), String(accepted));
    writer.closeSet();
  }
  writer.closeGroup();
  return writer.finish();
}

function write277(context: AnswerContext, sets: SubmittedSet[]): string {
  const writer = new InterchangeWriter(context);
  const first = sets[0].group;
  writer.openGroup("HN", first.receiverCode, first.senderCode, CLAIM_ACK_GUIDE);
  for (const set of sets) writeClaimAcknowledgement(writer, context, set);
  writer.closeGroup();
  return writer.finish();
}

/** One 277CA transaction set answering one 837: payer, submitter (batch), billing providers, claims. */
function writeClaimAcknowledgement(writer: InterchangeWriter, context: AnswerContext, set: SubmittedSet): void {
  const today = ccyymmdd(context.now);
  const { content } = set;
  writer.openSet("277", CLAIM_ACK_GUIDE);
  writer.segment("BHT", "0085", "08", `${writer.controlNumber}${writer.setControlNumber}`, today, hhmm(context.now), "TH");

  // 2000A/2100A information source: the payer.
  const payerId = content.receiver?.id || set.group.receiverCode;
  writer.segment("HL", "1", "", "20", "1");
  writer.segment("NM1", "PR", "2", content.receiver?.name || context.payerName, "", "", "", "", "PI", payerId);
  writer.segment("TRN", "1", writer.controlNumber);
  writer.segment("DTP", "050", "D8", today);
  writer.segment("DTP", "009", "D8", today);

  // 2000B/2200B information receiver: the submitter, with the batch totals.
  const claims = content.providers.flatMap((provider) => provider.claims);
  const accepted = claims.filter(claimIsPayable);
  const rejected = claims.filter((claim) => !claimIsPayable(claim));
  writer.segment("HL", "2", "1", "21", "1");
  writer.segment("NM1", "41", "2", content.submitter?.name || set.group.senderCode, "", "", "", "", "46", content.submitter?.id || set.group.senderCode);
  writer.segment("TRN", "2", set.facts.originatorTransactionId ?? set.facts.controlNumber);
  writer.segment("STC", ["A1", "19", "PR"], today, "WQ", formatCents(sumCents(claims)));
  writeTotals(writer, "90", "AA", accepted, rejected);

  let hl = 2;
  for (const provider of content.providers.filter((p) => p.claims.length > 0)) {
    const providerHl = ++hl;
    const providerAccepted = provider.claims.filter(claimIsPayable);
    const providerRejected = provider.claims.filter((claim) => !claimIsPayable(claim));
    writer.segment("HL", String(providerHl), "2", "19", "1");
    writer.segment("NM1", "85", "2", provider.name, provider.firstName, "", "", "", provider.idQualifier, provider.id);
    writer.segment("TRN", "1", "0");
    if (provider.taxId) writer.segment("REF", "TJ", provider.taxId);
    writer.segment("STC", ["A1", "19", "PR"], today, "WQ", formatCents(sumCents(provider.claims)));
    writeTotals(writer, "QA", "QC", providerAccepted, providerRejected);
    for (const claim of provider.claims) {
      writer.segment("HL", String(++hl), String(providerHl), "PT");
      const patient = claim.patient;
      writer.segment("NM1", "QC", "1", patient?.name ?? "", patient?.firstName ?? "", "", "", "", patient?.id ? "MI" : "", patient?.id ?? "");
      writeClaimStatus(writer, context, claim, set);
    }
  }
  writer.closeSet();
}

function writeClaimStatus(writer: InterchangeWriter, context: AnswerContext, claim: ScannedClaim, set: SubmittedSet): void {
  const today = ccyymmdd(context.now);
  const charge = claim.totalCharge === "" ? "0" : claim.totalCharge;
  writer.segment("TRN", "2", claim.patientControlNumber);
  if (claimIsPayable(claim)) {
    writer.segment("STC", ["A2", "20", "PR"], today, "WQ", charge);
    writer.segment("REF", "1K", `${yy(context.now)}${julianDay(context.now)}${String(context.nextControlNumber() % 100_000_000).padStart(8, "0")}`);
  } else {
    writer.segment("STC", ["A7", "178"], today, "U", charge, "", "", "", "", "", "", "", "TOTAL CLAIM CHARGE MUST BE GREATER THAN ZERO");
  }
  const dates = [...claim.serviceDates].sort();
  const serviceDate = dates.length === 0 ? (set.interchange.date ? `20${set.interchange.date}` : today) : dates[0];
  const lastDate = dates.at(-1) ?? serviceDate;
  if (lastDate === serviceDate) writer.segment("DTP", "472", "D8", serviceDate);
  else writer.segment("DTP", "472", "RD8", `${serviceDate}-${lastDate}`);
}

function writeTotals(writer: InterchangeWriter, acceptedQualifier: string, rejectedQualifier: string, accepted: ScannedClaim[], rejected: ScannedClaim[]): void {
  if (accepted.length > 0) writer.segment("QTY", acceptedQualifier, String(accepted.length));
  if (rejected.length > 0) writer.segment("QTY", rejectedQualifier, String(rejected.length));
  if (accepted.length > 0) writer.segment("AMT", "YU", formatCents(sumCents(accepted)));
  if (rejected.length > 0) writer.segment("AMT", "YY", formatCents(sumCents(rejected)));
}

// ---------------------------------------------------------------------------------------------
// Small helpers: money without floating point, X12 dates, trailing empty elements.

/** A decimal amount as whole cents; null when it is not a number. */
function toCents(amount: string): number | null {
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(amount.trim());
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) return null;
  const cents = Number(match[2] || "0") * 100 + Number(((match[3] ?? "") + "00").slice(0, 2));
  return match[1] === "-" ? -cents : cents;
}

function sumCents(claims: ScannedClaim[]): number {
  return claims.reduce((total, claim) => total + Math.max(0, toCents(claim.totalCharge) ?? 0), 0);
}

/** X12 amounts drop trailing zeros: 42550 → "425.5", 15000 → "150". */
function formatCents(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const whole = Math.floor(Math.abs(cents) / 100);
  const fraction = String(Math.abs(cents) % 100).padStart(2, "0").replace(/0+$/, "");
  return `${sign}${whole}${fraction ? `.${fraction}` : ""}`;
}

function trimEnd(values: string[]): string[] {
  let end = values.length;
  while (end > 0 && values[end - 1] === "") end--;
  return values.slice(0, end);
}
