import { describe, expect, it } from "vitest";
import { TransferError } from "@/lib/transfers/errors";
import { StageBoard } from "@/lib/diagnosis/stage-board";

const STAGES = [
  { key: "tcp", label: "TCP connection" },
  { key: "auth", label: "Authentication" },
];

function board(stageTimeoutMs: number, halts: TransferError[] = []) {
  return new StageBoard(STAGES, {
    stageTimeoutMs,
    explain: (_key, error) => ({ summary: error.message }),
    timeoutError: (key, ms) => new TransferError("TIMEOUT_IDLE", `no answer at ${key} within ${ms} ms`),
    onHalt: (error) => halts.push(error),
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
function busy(ms: number) {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe("the diagnosis stage limit", () => {
  it("halts a stage whose server wait exceeds the limit", async () => {
    const halts: TransferError[] = [];
    const b = board(150, halts);
    await sleep(400);
    expect(halts.map((h) => h.message)).toEqual(["no answer at tcp within 150 ms"]);
    expect(b.finish(() => "skipped")[0]).toMatchObject({ status: "failed", code: "TIMEOUT_IDLE" });
  });

  it("does not count time the portal itself was busy against the server", async () => {
    const halts: TransferError[] = [];
    const b = board(300, halts);
    busy(500); // our own work blocks this thread longer than the limit
    await sleep(100); // then the server answers within the limit
    b.pass("tcp", "connected");
    b.pass("auth", "authenticated");
    const [tcp] = b.finish(() => "skipped");
    expect(halts).toEqual([]);
    expect(tcp.status).toBe("passed");
    expect(tcp.durationMs).toBeGreaterThanOrEqual(500); // the real duration is shown
    expect(tcp.details).toMatchObject({ portalWorkMs: expect.any(Number), serverWaitMs: expect.any(Number) });
    expect((tcp.details as { portalWorkMs: number }).portalWorkMs).toBeGreaterThanOrEqual(400);
  });
});
