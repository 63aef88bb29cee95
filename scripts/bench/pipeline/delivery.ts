import { BenchFailure } from "../shared/errors";

export interface TransferState {
  id: string;
  status: string;
  awaitingConfirmation: boolean;
  fileName: string;
  size: number;
  sha256: string | null;
  createdAt: string;
  deliveredAt: string | null;
  lastError: { code: string; message: string | null } | null;
}

export interface TransferDetail extends TransferState {
  attempts: Array<{ number: number; startedAt: string; finishedAt: string | null; durationMs: number | null; bytes: number; error: { code: string } | null }>;
}

const FINAL_FAILURES = new Set(["failed", "needs_attention"]);
/** Once a second: the API allows 120 requests a minute per token, and this token only polls. */
const POLL_MS = 1_000;

async function apiGet<T>(baseUrl: string, token: string, path: string): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  if (!response.ok) throw new BenchFailure(`GET ${path} answered ${response.status}`, text);
  return JSON.parse(text) as T;
}

export const transferDetail = (baseUrl: string, token: string, id: string) => apiGet<TransferDetail>(baseUrl, token, `/api/v1/transfers/${id}`);

/**
 * Poll the partner API's transfer list until every id is delivered; a transfer that failed, needs
 * attention or waits for a duplicate confirmation stops the run with the portal's own reason.
 */
export async function waitForDelivery(baseUrl: string, token: string, ids: string[], timeoutMs: number): Promise<Map<string, TransferState>> {
  const deadline = Date.now() + timeoutMs;
  const wanted = new Set(ids);
  for (;;) {
    const page = await apiGet<{ data: TransferState[] }>(baseUrl, token, `/api/v1/transfers?limit=500`);
    const states = new Map(page.data.filter((t) => wanted.has(t.id)).map((t) => [t.id, t]));
    for (const state of states.values()) {
      if (FINAL_FAILURES.has(state.status) || state.awaitingConfirmation) {
        throw new BenchFailure(`${state.fileName} ended "${state.status}"${state.awaitingConfirmation ? " (awaiting duplicate confirmation)" : ""}: ${state.lastError?.code ?? ""} ${state.lastError?.message ?? ""}`.trim(), "");
      }
    }
    if (ids.every((id) => states.get(id)?.status === "delivered")) return states;
    if (Date.now() > deadline) {
      const pending = ids.filter((id) => states.get(id)?.status !== "delivered").map((id) => `${id}: ${states.get(id)?.status ?? "not listed"}`);
      throw new BenchFailure(`not delivered within ${timeoutMs / 1000} s: ${pending.join(", ")}`, "");
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
