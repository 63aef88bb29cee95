"use server";

import { z } from "zod";
import { defineAction } from "@/lib/auth/action";
import { requestResponsePoll } from "@/lib/responses/service";

/**
 * "Check for responses now" on a partner account. Partners on their own organisation's accounts,
 * admins on any. Support may too, as requestResponsePoll allows: it only brings the scheduled
 * check forward — the check records the payer's files exactly as the schedule would, and changes
 * no settings, credentials or transfers of the organisation.
 */
export const checkResponsesNowAction = defineAction(
  { name: "responses.checkNow", schema: z.object({ accountId: z.string().uuid("That account id is not valid.") }), access: { roles: ["partner", "admin", "support"] } },
  async ({ accountId }, { actor }) => {
    await requestResponsePoll(actor, accountId);
    return { status: "ok", message: "Queued: the account's response folder is checked within a minute." };
  },
);
