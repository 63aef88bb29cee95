import type http from "node:http";
import { databaseAvailability, type DatabaseAvailability } from "@/lib/health/database-status";
import { errorJson } from "@/lib/http/error-response";

/*
 * While the embedded database restarts (lib/health/database-status.ts), every page and API call
 * would fail or wait on it. server.ts answers them here at once with 503 and a Retry-After instead,
 * right after the request guard. /api/health goes through, so a load balancer or a monitor reads
 * the state from it, and so do the static assets, which never touch the database.
 */

/** Seconds a client is told to wait (a restart takes a second or two after a backoff of 0.5–8 s). */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

export const DATABASE_RESTARTING_MESSAGE = "The portal's database is restarting; try again in a few seconds.";
export const DATABASE_DOWN_MESSAGE = "The portal's database has stopped and could not be restarted; the portal is shutting down. Try again once it has been started again.";

/** Paths answered whatever the database's state. */
function passesThrough(pathname: string): boolean {
  return pathname === "/api/health" || pathname.startsWith("/_next/static/");
}

function pathnameOf(url: string | undefined): string {
  try {
    return new URL(url ?? "/", "http://portal.invalid").pathname;
  } catch {
    return "/";
  }
}

export interface DatabaseUnavailableAnswer {
  status: 503;
  headers: Record<string, string>;
  body: string;
}

/**
 * What to answer instead of handling the request, or null to handle it. JSON under /api/ (the API's
 * error shape), a short HTML page for browsers, plain text otherwise.
 */
export function databaseUnavailableAnswer(
  request: { url?: string; accept?: string },
  availability: Pick<DatabaseAvailability, "state"> = databaseAvailability(),
): DatabaseUnavailableAnswer | null {
  if (availability.state === "up") return null;
  const pathname = pathnameOf(request.url);
  if (passesThrough(pathname)) return null;
  const message = availability.state === "restarting" ? DATABASE_RESTARTING_MESSAGE : DATABASE_DOWN_MESSAGE;
  const headers: Record<string, string> = { "cache-control": "no-store", "retry-after": String(DATABASE_RETRY_AFTER_SECONDS) };
  if (pathname === "/api" || pathname.startsWith("/api/")) {
    return {
      status: 503,
      headers: { ...headers, "content-type": "application/json; charset=utf-8" },
      body: errorJson("DATABASE_UNAVAILABLE", message),
    };
  }
  if (/\btext\/html\b/i.test(request.accept ?? "")) {
    const refresh = availability.state === "restarting" ? `<meta http-equiv="refresh" content="${DATABASE_RETRY_AFTER_SECONDS}">` : "";
    return {
      status: 503,
      headers: { ...headers, "content-type": "text/html; charset=utf-8" },
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8">${refresh}<title>Temporarily unavailable</title></head><body><h1>Temporarily unavailable</h1><p>${message}</p></body></html>\n`,
    };
  }
  return { status: 503, headers: { ...headers, "content-type": "text/plain; charset=utf-8" }, body: `${message}\n` };
}

/** After a refusal, how long the rest of an unread body is discarded before the socket is closed. */
const BODY_LINGER_MS = 2_000;

/**
 * Answers 503 while the database is not up and returns true: the request must then not be handed
 * to Next.js. A request body is never read; its connection closes after the answer, so an upload
 * cannot keep it busy.
 */
export function refuseWhileDatabaseUnavailable(req: http.IncomingMessage, res: http.ServerResponse, availability?: Pick<DatabaseAvailability, "state">): boolean {
  const answer = databaseUnavailableAnswer({ url: req.url, accept: req.headers.accept }, availability);
  if (!answer) return false;
  const hasBody = req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
  if (hasBody) res.shouldKeepAlive = false;
  res.writeHead(answer.status, {
    ...answer.headers,
    "content-length": String(Buffer.byteLength(answer.body)),
    ...(hasBody ? { connection: "close" } : {}),
  });
  res.end(req.method === "HEAD" ? undefined : answer.body, () => {
    if (hasBody) setTimeout(() => req.socket.destroy(), BODY_LINGER_MS).unref();
  });
  return true;
}
