"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/auth/action";
import { setStagingLimits } from "@/lib/organisations/quota";

/** An empty field means "the portal's default" (null); anything else a whole number within bounds. */
function limitField(what: string, max: number) {
  const message = `${what} must be a whole number from 1 to ${max.toLocaleString("en-GB")}, or empty for the default.`;
  return z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? null : typeof value === "string" ? value.trim() : value),
    z.coerce.number({ error: message }).int(message).min(1, message).max(max, message).nullable(),
  );
}

// The same bounds as STAGING_QUOTA_MIB and UNFINISHED_UPLOADS_MAX (lib/env.ts).
const schema = z.object({
  organisationId: z.string().uuid("That record id is not valid."),
  stagingQuotaMib: limitField("The staging quota (MiB)", 1024 * 1024),
  maxUnfinishedUploads: limitField("The number of unfinished uploads", 10_000),
});

export const setStagingLimitsAction = defineAction({ name: "admin.setStagingLimits", schema, access: { roles: ["admin"] } }, async ({ organisationId, stagingQuotaMib, maxUnfinishedUploads }, { actor }) => {
  await setStagingLimits(actor, organisationId, { stagingQuotaMib, maxUnfinishedUploads });
  revalidatePath(`/admin/organisations/${organisationId}`);
  return { status: "ok", message: "Upload limits saved. They apply to uploads started from now on; files already on the portal stay." };
});
