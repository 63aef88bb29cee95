import { z } from "zod";
import { payerResponseStatuses, transferStatuses } from "@/lib/transfers/history/list";
import { apiErrorCodes } from "@/lib/api/errors";

/**
 * The API's response shapes. Handlers build their answers typed by these schemas, the tests parse
 * real answers with them, and the OpenAPI document is generated from them: one source of truth.
 */
const timestamp = z.iso.datetime().describe("UTC timestamp, ISO 8601.");

export const findingSchema = z
  .object({
    code: z.string().describe("Stable check code, e.g. FILENAME_RULE, TOO_LARGE, DUPLICATE, X12_SENDER_MISMATCH."),
    severity: z.enum(["block", "warn", "confirm"]).describe("block: the file was refused; warn: sent anyway; confirm: held until you decide (send or cancel)."),
    message: z.string().describe("What is wrong and what to do."),
    suggestion: z.string().optional().describe("A corrected value, e.g. a file name that satisfies the destination's rule."),
  });

export const transferSchema = z
  .object({
    id: z.uuid(),
    status: z.enum(transferStatuses),
    awaitingConfirmation: z.boolean().describe("True while the file is held for your decision: the same file was delivered recently (see X-Confirm-Duplicate), or its X12 envelope names the other mode (ISA15) or another sender (ISA06). The findings with severity confirm say which; nothing is sent until you POST /api/v1/transfers/{id}/confirm."),
    mode: z.enum(["test", "production"]),
    kind: z.enum(["upload", "api", "admin_test"]),
    fileName: z.string().describe("The file name, as sent in X-Filename."),
    size: z.int().min(0).describe("Bytes."),
    sha256: z.string().nullable().describe("SHA-256 of the bytes as received, lower-case hex."),
    accountId: z.uuid(),
    destinationId: z.uuid(),
    createdAt: timestamp,
    updatedAt: timestamp,
    deliveredAt: timestamp.nullable(),
    attemptCount: z.int().min(0),
    lastError: z.object({ code: z.string(), message: z.string().nullable() }).nullable(),
    payerResponse: z
      .enum(payerResponseStatuses)
      .nullable()
      .describe("What the payer said so far (from its TA1, 999/997 and 277CA): awaiting, accepted, accepted_with_errors, partially_accepted, rejected, no_response; null where the destination's answers are not collected."),
    payerResponseDueAt: timestamp.nullable().describe("While awaiting: when the transfer will need attention if no answer has arrived."),
    findings: z.array(findingSchema).describe("Results of the pre-relay checks."),
  });

const responseVerdictSchema = z.enum(["accepted", "accepted_with_errors", "partially_accepted", "rejected"]);

export const responseErrorSchema = z.object({
  message: z.string().describe("The error in plain English: where (segment, element, loop, claim), what the code means, and what to fix."),
  segment: z.string().describe("The raw segments the payer sent for this error (IK3/IK4/CTX, STC, TA1 …)."),
  claim: z.string().nullable().describe("The claim's patient control number (CLM01), when the error concerns one claim."),
});

export const transferResponseSchema = z.object({
  responseFileId: z.uuid(),
  stage: z.enum(["TA1", "999", "997", "277CA"]),
  verdict: responseVerdictSchema,
  headline: z.string().describe('One line, e.g. "277CA: 12 claims accepted, 2 rejected".'),
  fileName: z.string(),
  receivedAt: timestamp,
  claims: z.object({ accepted: z.int(), rejected: z.int() }).nullable(),
  errors: z.array(responseErrorSchema),
});

export const responseFileSchema = z.object({
  id: z.uuid(),
  fileName: z.string().describe("The file's name on the payer's server."),
  kind: z.enum(["TA1", "999", "997", "277CA", "other", "unreadable"]).describe("other: X12 the portal keeps but does not read (e.g. an 835 remittance); unreadable: not valid X12 (see unreadableReason)."),
  verdict: responseVerdictSchema.nullable(),
  unreadableReason: z.string().nullable(),
  size: z.int().min(0),
  sha256: z.string(),
  destinationName: z.string(),
  linkedTransfers: z.int().min(0).describe("How many of your transfers this file answers; 0 for files that answer nothing sent through the portal."),
  receivedAt: timestamp,
  downloadable: z.boolean().describe("False once retention removed the bytes."),
});

export const responseFileListSchema = z.object({
  data: z.array(responseFileSchema),
  nextCursor: z.string().nullable().describe("Pass as `cursor` to fetch the next page; null on the last page."),
});

export const attemptSchema = z
  .object({
    number: z.int().min(1),
    startedAt: timestamp,
    finishedAt: timestamp.nullable(),
    durationMs: z.int().nullable(),
    bytes: z.int().min(0).describe("How far this attempt got: the bytes of the file on the server, as acknowledged, when it ended (a delivered file: its size; a failed attempt: what it got through)."),
    resumedFromByte: z.int().min(0).describe("Where this attempt started (bytes an earlier attempt left on the server). The attempt itself sent bytes − resumedFromByte."),
    remotePath: z.string().nullable(),
    error: z.object({ code: z.string(), message: z.string().nullable(), transient: z.boolean().nullable() }).nullable(),
    transcript: z
      .array(z.object({ at: z.string(), stage: z.string(), direction: z.string(), message: z.string() }))
      .describe("The protocol conversation with the payer's server; passwords and keys are redacted before it is stored."),
  });

export const transferDetailSchema = transferSchema
  .extend({ destinationName: z.string(), attempts: z.array(attemptSchema), responses: z.array(transferResponseSchema).describe("The payer's answers linked to this transfer, oldest first.") });

export const transferListItemSchema = transferSchema
  .omit({ accountId: true, findings: true, payerResponseDueAt: true })
  .extend({ destinationName: z.string() });

export const transferListSchema = z
  .object({
    data: z.array(transferListItemSchema),
    nextCursor: z.string().nullable().describe("Pass as `cursor` to fetch the next page; null on the last page."),
  });

export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(apiErrorCodes),
      message: z.string().describe("What went wrong and what to do about it."),
    }),
    findings: z.array(findingSchema).optional().describe("Present when checks refused the file (FILE_REJECTED, FILE_TOO_LARGE)."),
  });

export type TransferResource = z.infer<typeof transferSchema>;
export type TransferDetailResource = z.infer<typeof transferDetailSchema>;
export type TransferListItemResource = z.infer<typeof transferListItemSchema>;
export type TransferResponseResource = z.infer<typeof transferResponseSchema>;
export type ResponseFileResource = z.infer<typeof responseFileSchema>;
