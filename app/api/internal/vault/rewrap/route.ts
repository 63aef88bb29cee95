import { NextResponse } from "next/server";
import { recordAudit } from "@/lib/audit/log";
import { rewrapAllSecrets } from "@/lib/vault/secret-store";
import { defineRoute } from "@/lib/http/define-route";

export const dynamic = "force-dynamic";

/** Called by `npm run vault:rotate` on the same machine: re-wrap every secret under the active master key. */
export const POST = defineRoute({ name: "vault.rewrap", access: { internalToken: true } }, async () => {
  const result = await rewrapAllSecrets();
  await recordAudit({ actorEmail: "operator (vault:rotate)", action: "vault.rewrapped", result: "success", detail: result });
  return NextResponse.json(result);
});
