import { NextResponse, type NextRequest } from "next/server";
import { recordAudit } from "@/lib/audit/log";
import { rewrapAllSecrets } from "@/lib/partner-accounts/credentials";
import { env } from "@/lib/env";
import { internalTokenMatches } from "@/lib/vault/internal-token";

export const dynamic = "force-dynamic";

/** Called by `npm run vault:rotate` on the same machine: re-wrap every secret under the active master key. */
export async function POST(request: NextRequest) {
  const token = request.headers.get("authorization")?.replace(/^Bearer /, "") ?? null;
  if (!internalTokenMatches(env().DATA_DIR, token)) return NextResponse.json({ error: "Not allowed." }, { status: 403 });
  const result = await rewrapAllSecrets();
  await recordAudit({ actorEmail: "operator (vault:rotate)", action: "vault.rewrapped", result: "success", detail: result });
  return NextResponse.json(result);
}
