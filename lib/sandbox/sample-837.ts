import { DEFAULT_PAYER_NAME } from "@/lib/sandbox/x12-answers";
import { ccyymmdd, hhmm, yymmdd } from "@/lib/sandbox/x12-dates";

/*
 * Sample submissions: realistic 837P (005010X222A1) claim files for the demo's first story and for
 * tests, with the faults the sandbox payer checks available on request (a missing billing provider
 * NPI, a zero charge, an IEA02 that differs from ISA13).
 */

export interface Sample837Claim {
  /** CLM01. */
  patientControlNumber: string;
  /** CLM02 as written; null or "" leaves it out. */
  charge: string | null;
  /** NM109 of the billing provider (loop 2010AA); null or "" leaves NM108/NM109 out. Default 1234567893. */
  billingProviderNpi?: string | null;
  billingProviderName?: string;
  patient?: { lastName: string; firstName: string; memberId: string };
  /** CCYYMMDD; the file's date by default. */
  serviceDate?: string;
  procedureCode?: string;
}

export interface Sample837Set {
  /** ST02; 0001, 0002 … by default. */
  controlNumber?: string;
  /** BHT03, which the 277CA quotes back in loop 2200B TRN02. */
  originatorTransactionId?: string;
  claims: Sample837Claim[];
}

export interface Sample837Options {
  submitterId: string;
  receiverId: string;
  submitterName?: string;
  receiverName?: string;
  /** ISA05 and ISA07; ZZ by default. */
  submitterQualifier?: string;
  receiverQualifier?: string;
  usage?: "T" | "P";
  /** ISA13. */
  interchangeControlNumber: string | number;
  /** IEA02 when it must differ from ISA13 (an envelope fault the payer's TA1 rejects). */
  trailerControlNumber?: string | number;
  /** GS06; 1 by default. */
  groupControlNumber?: string | number;
  /** ST02 of a single-set file. */
  transactionSetControlNumber?: string;
  /** BHT03 of a single-set file; derived from ISA13 by default. */
  originatorTransactionId?: string;
  /** The claims of a single-set file; `transactionSets` writes several sets instead. */
  claims?: Sample837Claim[];
  transactionSets?: Sample837Set[];
  date?: Date;
  /** Written after each "~": "" (one line, the default), "\n" or "\r\n". */
  lineBreak?: "" | "\n" | "\r\n";
}

const SAMPLE_NPI = "1234567893";
const SAMPLE_PATIENTS = [
  { lastName: "DOE", firstName: "JANE", memberId: "W100200300" },
  { lastName: "ROE", firstName: "RICHARD", memberId: "W100200301" },
  { lastName: "POE", firstName: "ALLAN", memberId: "W100200302" },
];

/** A complete 837P interchange (ISA … IEA, counts and trailers right unless a fault is asked for). */
export function buildSample837(options: Sample837Options): string {
  const date = options.date ?? new Date();
  const isa13 = String(options.interchangeControlNumber).padStart(9, "0");
  const iea02 = options.trailerControlNumber === undefined ? isa13 : String(options.trailerControlNumber).padStart(9, "0");
  const gs06 = String(options.groupControlNumber ?? 1);
  const sets: Sample837Set[] = options.transactionSets ?? [
    { controlNumber: options.transactionSetControlNumber, originatorTransactionId: options.originatorTransactionId, claims: options.claims ?? [] },
  ];
  const sender = `${(options.submitterQualifier ?? "ZZ").padEnd(2)}*${options.submitterId.padEnd(15)}`;
  const receiver = `${(options.receiverQualifier ?? "ZZ").padEnd(2)}*${options.receiverId.padEnd(15)}`;
  const segments = [
    `ISA*00*${" ".repeat(10)}*00*${" ".repeat(10)}*${sender}*${receiver}*${yymmdd(date)}*${hhmm(date)}*^*00501*${isa13}*0*${options.usage ?? "T"}*:`,
    `GS*HC*${options.submitterId}*${options.receiverId}*${ccyymmdd(date)}*${hhmm(date)}*${gs06}*X*005010X222A1`,
  ];
  sets.forEach((set, index) => {
    const controlNumber = set.controlNumber ?? String(index + 1).padStart(4, "0");
    const body = sample837Body(options, set, date, set.originatorTransactionId ?? `${isa13}${sets.length > 1 ? `-${index + 1}` : ""}`);
    segments.push(`ST*837*${controlNumber}*005010X222A1`, ...body, `SE*${body.length + 2}*${controlNumber}`);
  });
  segments.push(`GE*${sets.length}*${gs06}`, `IEA*1*${iea02}`);
  return segments.map((segment) => `${segment}~${options.lineBreak ?? ""}`).join("");
}

function sample837Body(options: Sample837Options, set: Sample837Set, date: Date, bht03: string): string[] {
  const receiverName = options.receiverName ?? DEFAULT_PAYER_NAME;
  const body = [
    `BHT*0019*00*${bht03}*${ccyymmdd(date)}*${hhmm(date)}*CH`,
    `NM1*41*2*${options.submitterName ?? "SANDBOX BILLING SERVICE"}*****46*${options.submitterId}`,
    "PER*IC*EDI DESK*TE*8005550100",
    `NM1*40*2*${receiverName}*****46*${options.receiverId}`,
  ];
  // One HL 20 per billing provider, as billing software groups claims.
  const providers = new Map<string, Sample837Claim[]>();
  for (const claim of set.claims) {
    const npi = claim.billingProviderNpi === undefined ? SAMPLE_NPI : (claim.billingProviderNpi ?? "");
    const key = `${npi}|${claim.billingProviderName ?? ""}`;
    providers.set(key, [...(providers.get(key) ?? []), claim]);
  }
  let hl = 0;
  let patientIndex = 0;
  for (const [key, claims] of providers) {
    const [npi, name] = key.split("|");
    const providerHl = ++hl;
    body.push(`HL*${providerHl}**20*1`, "PRV*BI*PXC*207Q00000X", npi ? `NM1*85*2*${name || "SANDBOX FAMILY CLINIC"}*****XX*${npi}` : `NM1*85*2*${name || "SANDBOX FAMILY CLINIC"}`);
    body.push("N3*100 MAIN ST", "N4*SPRINGFIELD*IL*627010000", "REF*EI*123456789");
    for (const claim of claims) {
      const patient = claim.patient ?? SAMPLE_PATIENTS[patientIndex++ % SAMPLE_PATIENTS.length];
      const charge = claim.charge ?? "";
      body.push(
        `HL*${++hl}*${providerHl}*22*0`,
        "SBR*P*18*******CI",
        `NM1*IL*1*${patient.lastName}*${patient.firstName}****MI*${patient.memberId}`,
        "N3*1 ELM ST",
        "N4*SPRINGFIELD*IL*62701",
        "DMG*D8*19800101*F",
        `NM1*PR*2*${receiverName}*****PI*${options.receiverId}`,
        `CLM*${claim.patientControlNumber}*${charge}***11:B:1*Y*A*Y*Y`,
        "HI*ABK:J069",
        "LX*1",
        `SV1*HC:${claim.procedureCode ?? "99213"}*${charge || "0"}*UN*1***1`,
        `DTP*472*D8*${claim.serviceDate ?? ccyymmdd(date)}`,
      );
    }
  }
  return body;
}

