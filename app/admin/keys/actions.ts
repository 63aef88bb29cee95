"use server";

import { z } from "zod";
import { decideKey } from "@/lib/partner-keys/service";
import { defineAction } from "@/lib/auth/action";
import { demoSandbox } from "@/lib/sandbox/demo";

const keyId = z.string().uuid("That record id is not valid.");

export const approveKeyAction = defineAction(
  { name: "adminKeys.approve", schema: z.object({ keyId }), access: { roles: ["admin"] } },
  async ({ keyId }, { actor }) => {
    const key = await decideKey(actor, keyId, { installed: true });
    // Demo mode: the sandbox payer installs the key for real, so the next relay can use it.
    if (key.destinationPreset === "sandbox-sftp") demoSandbox()?.sftp.authorizeKey(key.username, key.opensshPublic);
    return { status: "ok", message: "Marked as installed on the payer's server. The partner sees it as approved." };
  },
);

export const rejectKeyAction = defineAction(
  {
    name: "adminKeys.reject",
    schema: z.object({ keyId, reason: z.string().trim().min(5, "Tell the partner why, so they can fix it.").max(2000) }),
    access: { roles: ["admin"] },
  },
  async ({ keyId, reason }, { actor }) => {
    await decideKey(actor, keyId, { installed: false, reason });
    return { status: "ok", message: "Key rejected. The partner sees your reason." };
  },
);
