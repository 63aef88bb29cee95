import { RunDiagnosisFields } from "@/app/diagnoses/run-diagnosis-fields";
import { currentActor } from "@/lib/auth/session";
import { mayRunWriteProbe } from "@/lib/diagnosis/service";

/**
 * The "Test connection" form wherever it appears (troubleshooting, a transfer, a diagnosis, support's
 * diagnostics). A server component, so the write-probe checkbox follows the signed-in role on every
 * page without each page passing it: support runs read-only tests.
 */
export async function RunDiagnosisForm(props: { accountId: string; transferId?: string; label?: string; nextAllowedAt?: string | null; accountLabel?: string }) {
  const actor = await currentActor();
  return <RunDiagnosisFields {...props} writeProbe={actor ? mayRunWriteProbe(actor) : false} />;
}
