import "server-only";
import { recordAudit } from "@/lib/audit/log";
import { rewrapAllSecrets } from "@/lib/vault/secret-store";

export type RewrapResult = Awaited<ReturnType<typeof rewrapAllSecrets>>;

/**
 * `npm run vault:rotate`'s re-wrap, audited: through the running portal's internal socket
 * (lib/vault/internal-socket-server.ts) or, with no portal up, in the script's own runtime.
 */
export async function rewrapAndAudit(via: "portal socket" | "vault:rotate runtime"): Promise<RewrapResult> {
  const result = await rewrapAllSecrets();
  await recordAudit({ actorEmail: "operator (vault:rotate)", action: "vault.rewrapped", result: "success", detail: { ...result, via } });
  return result;
}
