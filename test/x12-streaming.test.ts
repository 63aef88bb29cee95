import { describe, expect, it } from "vitest";
import { readEnvelope } from "@/lib/x12/envelope";
import { readSegments } from "@/lib/x12/tokenizer";
import { isaSegment } from "@/test/fixtures/x12/build";

/**
 * A 20 MB claim file, generated chunk by chunk as a file stream would deliver it, never held
 * whole: the reader must go through it keeping no more than about one chunk back.
 */
const CHUNK_SIZE = 64 * 1024;
const CLAIMS = 82_000;

const claimSegments = (n: number) => [
  `HL*${n + 2}*1*22*0`,
  "SBR*P*18*******CI",
  `NM1*IL*1*SUBSCRIBER*PATIENT${n}****MI*W${String(n).padStart(9, "0")}`,
  "DMG*D8*19800101*F",
  "NM1*PR*2*ACME HEALTH PLAN*****PI*PAYER01",
  `CLM*PCN-${n}*${(n % 500) + 100}.25***11:B:1*Y*A*Y*Y`,
  "HI*ABK:J069",
  "LX*1",
  "SV1*HC:99213*100*UN*1***1",
  "DTP*472*D8*20240110",
];
const SEGMENTS_PER_CLAIM = claimSegments(0).length;
const HEADER = ["BHT*0019*00*BIGBATCH*20240115*1200*CH", "HL*1**20*1", "NM1*85*2*NORTHSIDE CLINIC*****XX*1234567893"];

interface Pulls {
  chunks: number;
  bytes: number;
}

async function* generated837(pulls: Pulls): AsyncGenerator<Buffer> {
  let pending = "";
  const emit = function* (flush: boolean) {
    while (pending.length >= CHUNK_SIZE || (flush && pending.length > 0)) {
      const chunk = pending.slice(0, CHUNK_SIZE);
      pending = pending.slice(chunk.length);
      pulls.chunks++;
      pulls.bytes += chunk.length;
      yield Buffer.from(chunk, "latin1");
    }
  };
  pending += [isaSegment(), "GS*HC*SUBMITTER01*PAYER01*20240115*1200*17*X*005010X222A1", "ST*837*0001*005010X222A1", ...HEADER].map((segment) => `${segment}~\n`).join("");
  for (let n = 0; n < CLAIMS; n++) {
    pending += claimSegments(n).map((segment) => `${segment}~\n`).join("");
    yield* emit(false);
  }
  const segmentCount = 2 + HEADER.length + CLAIMS * SEGMENTS_PER_CLAIM;
  pending += `SE*${segmentCount}*0001~\nGE*1*17~\nIEA*1*000000904~\n`;
  yield* emit(true);
}

describe("a large claim file through the streaming reader", () => {
  it("reads 20 MB in step with the source, holding back at most about one chunk", async () => {
    const pulls: Pulls = { chunks: 0, bytes: 0 };
    let consumed = 0;
    let largestLead = 0;
    let segments = 0;
    let firstSegmentAfterChunks = 0;
    for await (const segment of readSegments(generated837(pulls))) {
      if (segments === 0) firstSegmentAfterChunks = pulls.chunks;
      segments++;
      consumed += segment.raw.length + 2;
      largestLead = Math.max(largestLead, pulls.bytes - consumed);
    }
    expect(pulls.bytes).toBeGreaterThan(20_000_000);
    expect(segments).toBe(3 + HEADER.length + CLAIMS * SEGMENTS_PER_CLAIM + 3);
    expect(consumed).toBe(pulls.bytes);
    // The first segment comes out of the first chunk: nothing waits for the whole file.
    expect(firstSegmentAfterChunks).toBe(1);
    // Between any two segments the reader holds the rest of one chunk, never a second one.
    expect(largestLead).toBeLessThan(CHUNK_SIZE + 200);
  });

  it("gives the envelope and every claim of the generated file", async () => {
    const pulls: Pulls = { chunks: 0, bytes: 0 };
    const reading = await readEnvelope(generated837(pulls));
    if (reading.kind !== "envelope") throw new Error(reading.reason);
    expect(reading.claims).toHaveLength(CLAIMS);
    expect(reading.claims[0]).toEqual({ patientControlNumber: "PCN-0", totalCharge: "100.25", transactionSetControlNumber: "0001", groupControlNumber: "17", interchangeControlNumber: "000000904" });
    expect(reading.claims.at(-1)!.patientControlNumber).toBe(`PCN-${CLAIMS - 1}`);
    expect(reading.interchanges[0].groups[0].transactionSets[0]).toMatchObject({ controlNumber: "0001", originatorTransactionId: "BIGBATCH", segmentCount: 2 + HEADER.length + CLAIMS * SEGMENTS_PER_CLAIM });
  });
});
