"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { defineAction } from "@/lib/auth/action";
import { diagnoseAccount } from "@/lib/diagnosis/service";

export const runDiagnosisAction = defineAction(
  {
    name: "diagnosis.run",
    schema: z.object({
      accountId: z.string().uuid("Choose the account to test."),
      writeProbe: z.enum(["on"]).optional(),
      transferId: z.string().uuid().optional(),
    }),
    access: { roles: ["partner", "admin", "support"] },
  },
  async ({ accountId, writeProbe, transferId }, { actor }) => {
    const id = await diagnoseAccount(actor, accountId, { writeProbe: writeProbe === "on", transferId });
    redirect(`/diagnoses/${id}`);
  },
);
