import { createReadStream } from "node:fs";
import { performance } from "node:perf_hooks";
import type { ClientRequest } from "node:http";
import { DefaultHttpStack, Upload, type HttpRequest, type HttpStack } from "tus-js-client";
import { BenchFailure } from "../shared/errors";

export interface TusUploadResult {
  transferId: string;
  outcome: string;
  /** From the creation request to the answer of the last PATCH (which includes the server's hashing and checks). */
  elapsedMs: number;
  /** When the last byte had been sent (progress reached the size); the rest is the server finishing. */
  lastByteSentMs: number;
}

/**
 * tus-js-client's own Node HTTP stack, noting when each request's body has been handed to the
 * socket in full ("finish"): for the last PATCH, that is when the last byte left the client.
 */
function timedStack(onBodySent: (method: string) => void): HttpStack {
  const inner = new DefaultHttpStack({});
  return {
    getName: () => "timed NodeHttpStack",
    createRequest(method: string, url: string): HttpRequest {
      const request = inner.createRequest(method, url);
      const send = request.send.bind(request);
      request.send = (body) => {
        const answer = send(body);
        (request.getUnderlyingObject() as ClientRequest | null)?.once("finish", () => onBodySent(method));
        return answer;
      };
      return request;
    },
  };
}

/**
 * The browser's path: tus-js-client (the library the upload page uses) against /api/uploads with
 * the session cookie, the same metadata keys and PATCH size. No retries: a failed chunk fails the run.
 */
export function tusUpload(options: { baseUrl: string; cookie: string; path: string; size: number; fileName: string; accountId: string; chunkBytes: number }): Promise<TusUploadResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let lastByteSentMs = Number.NaN;
    let lastBodySentMs = Number.NaN;
    const upload = new Upload(createReadStream(options.path), {
      endpoint: `${options.baseUrl}/api/uploads`,
      headers: { cookie: options.cookie },
      chunkSize: options.chunkBytes,
      uploadSize: options.size,
      retryDelays: null,
      httpStack: timedStack((method) => {
        if (method === "PATCH") lastBodySentMs = performance.now() - started;
      }),
      metadata: { filename: options.fileName, accountId: options.accountId, mode: "production" },
      onChunkComplete(_chunk, accepted) {
        // The PATCH whose answer completes the upload: its body went out at lastBodySentMs.
        if (accepted >= options.size) lastByteSentMs = lastBodySentMs;
      },
      onSuccess({ lastResponse }) {
        const elapsedMs = performance.now() - started;
        let answer: { transferId?: string; outcome?: string } = {};
        try {
          answer = JSON.parse(lastResponse.getBody() || "{}");
        } catch {
          // the headers carry the same facts
        }
        const transferId = answer.transferId ?? lastResponse.getHeader("X-Transfer-Id");
        const outcome = answer.outcome ?? lastResponse.getHeader("X-Transfer-Outcome") ?? "?";
        if (!transferId || outcome !== "queued") {
          reject(new BenchFailure(`the upload of ${options.fileName} finished with outcome "${outcome}" (expected "queued")`, lastResponse.getBody()));
          return;
        }
        resolve({ transferId, outcome, elapsedMs, lastByteSentMs: Number.isNaN(lastByteSentMs) ? elapsedMs : lastByteSentMs });
      },
      onError(error) {
        const response = (error as Error & { originalResponse?: { getStatus(): number; getBody(): string } | null }).originalResponse;
        reject(new BenchFailure(`the tus upload of ${options.fileName} failed: ${error.message.split("\n")[0]}`, response ? `HTTP ${response.getStatus()}: ${response.getBody()}` : ""));
      },
    });
    upload.start();
  });
}
