import { z } from "zod";
import { transferStatuses } from "@/lib/transfers/history/list";
import { apiErrorCodes } from "@/lib/api/errors";

/**
 * The API's response shapes. Handlers build their answers typed by these schemas, the tests parse
 * real answers with them, and the OpenAPI document is generated from them: one source of truth.
 */
const timestamp = z.iso.datetime().describe("UTC timestamp, ISO 8601.");

export const findingSchema = z
  .object({
    code: z.string().describe("Stable check code, e.g. FILENAME_RULE, TOO_LARGE, DUPLICATE, X12_SENDER_MISMATCH."),
    severity: z.enum(["block", "warn", "confirm"]).describe("block: the file was refused; warn: sent anyway; confirm: waits for your confirmation."),
    message: z.string().describe("What is wrong and what to do."),
    suggestion: z.string().optional().describe("A corrected value, e.g. a file name that satisfies the destination's rule."),
  });

export const transferSchema = z
  .object({
    id: z.uuid(),
    status: z.enum(transferStatuses),
    awaitingConfirmation: z.boolean().describe("True when the same file was delivered recently: nothing is sent until you confirm (see X-Confirm-Duplicate)."),
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
    findings: z.array(findingSchema).describe("Results of the pre-relay checks."),
  });

export const attemptSchema = z
  .object({
    number: z.int().min(1),
    startedAt: timestamp,
    finishedAt: timestamp.nullable(),
    durationMs: z.int().nullable(),
    bytes: z.int().min(0),
    resumedFromByte: z.int().min(0),
    remotePath: z.string().nullable(),
    error: z.object({ code: z.string(), message: z.string().nullable(), transient: z.boolean().nullable() }).nullable(),
    transcript: z
      .array(z.object({ at: z.string(), stage: z.string(), direction: z.string(), message: z.string() }))
      .describe("The protocol conversation with the payer's server; passwords and keys are redacted before it is stored."),
  });

export const transferDetailSchema = transferSchema
  .extend({ destinationName: z.string(), attempts: z.array(attemptSchema) });

export const transferListItemSchema = transferSchema
  .omit({ accountId: true, findings: true })
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
