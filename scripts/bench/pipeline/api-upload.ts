import { createReadStream } from "node:fs";
import http from "node:http";
import { performance } from "node:perf_hooks";
import { pipeline } from "node:stream/promises";
import { BenchFailure } from "../shared/errors";

export interface ApiUploadResult {
  transferId: string;
  status: string;
  /** Start of the request to the end of the 202 answer. */
  elapsedMs: number;
  startedAtMs: number;
  finishedAtMs: number;
}

/**
 * `POST /api/v1/transfers` as a partner's batch job would send it: raw bytes streamed from disk
 * with Content-Length, bearer token, X-Account-Id and X-Filename. node:http rather than fetch, so
 * the body is a plain file stream with the length announced up front.
 */
export function apiUpload(options: { baseUrl: string; token: string; path: string; size: number; fileName: string; accountId: string; clock0: number }): Promise<ApiUploadResult> {
  return new Promise((resolve, reject) => {
    const startedAtMs = performance.now() - options.clock0;
    const request = http.request(`${options.baseUrl}/api/v1/transfers`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${options.token}`,
        "content-type": "application/octet-stream",
        "content-length": String(options.size),
        "x-account-id": options.accountId,
        "x-filename": encodeURIComponent(options.fileName),
        "x-transfer-mode": "production",
      },
    });
    request.once("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.once("end", () => {
        const finishedAtMs = performance.now() - options.clock0;
        const text = Buffer.concat(chunks).toString("utf8");
        if (response.statusCode !== 202) return reject(new BenchFailure(`POST /api/v1/transfers for ${options.fileName} answered ${response.statusCode}`, text));
        const body = JSON.parse(text) as { id: string; status: string };
        resolve({ transferId: body.id, status: body.status, elapsedMs: finishedAtMs - startedAtMs, startedAtMs, finishedAtMs });
      });
      response.once("error", reject);
    });
    request.once("error", (error) => reject(new BenchFailure(`POST /api/v1/transfers for ${options.fileName} failed: ${error.message}`, "")));
    pipeline(createReadStream(options.path, { highWaterMark: 1024 * 1024 }), request).catch(() => {
      // a refusal closes the connection mid-body; the response handler reports it
    });
  });
}
