import "server-only";
import { z } from "zod";
import { API_RATE_LIMIT } from "@/lib/api/authenticate";
import { responseListQuerySchema, transferListQuerySchema } from "@/lib/api/list-query";
import {
  attemptSchema,
  errorSchema,
  findingSchema,
  responseErrorSchema,
  responseFileListSchema,
  responseFileSchema,
  transferDetailSchema,
  transferListItemSchema,
  transferListSchema,
  transferResponseSchema,
  transferSchema,
} from "@/lib/api/schemas";
import { uploadHeadersSchema } from "@/lib/transfers/intake/upload-request";

type JsonObject = Record<string, unknown>;

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** Component schemas generated from the zod schemas the handlers are typed by. */
function componentSchemas(): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  registry.add(findingSchema, { id: "Finding" });
  registry.add(attemptSchema, { id: "Attempt" });
  registry.add(transferSchema, { id: "Transfer" });
  registry.add(transferDetailSchema, { id: "TransferDetail" });
  registry.add(transferListItemSchema, { id: "TransferListItem" });
  registry.add(transferListSchema, { id: "TransferList" });
  registry.add(errorSchema, { id: "Error" });
  registry.add(responseErrorSchema, { id: "PayerError" });
  registry.add(transferResponseSchema, { id: "TransferResponse" });
  registry.add(responseFileSchema, { id: "ResponseFile" });
  registry.add(responseFileListSchema, { id: "ResponseFileList" });
  const { schemas } = z.toJSONSchema(registry, {
    uri: (id) => `#/components/schemas/${id}`,
    override: ({ jsonSchema }) => {
      // Responses may gain fields over time: clients must not reject unknown ones.
      if (jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
      // `format: date-time` says it; zod's long validation pattern only adds noise.
      if (jsonSchema.format === "date-time") delete jsonSchema.pattern;
    },
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const { $schema: _dialect, $id: _id, ...rest } = schema as JsonObject;
      return [id, rest];
    }),
  );
}

/** Each property of an object schema as an OpenAPI parameter (query parameters, request headers). */
function parametersFrom(schema: z.ZodObject, location: "query" | "header", descriptions: Record<string, string>, required: string[] = []): JsonObject[] {
  const json = z.toJSONSchema(schema, { io: "input" }) as { properties: Record<string, JsonObject> };
  return Object.entries(json.properties)
    .filter(([name]) => name in descriptions)
    .map(([name, property]) => ({
      name: location === "header" ? name.replace(/(^|-)([a-z])/g, (_m, dash: string, letter: string) => dash + letter.toUpperCase()) : name,
      in: location,
      required: required.includes(name),
      description: descriptions[name],
      schema: property,
    }));
}

const error = (description: string, extra: JsonObject = {}) => ({ description, content: { "application/json": { schema: ref("Error") } }, ...extra });

const commonErrors = {
  "401": error("Missing, unknown or revoked token, or its user was disabled.", {
    headers: { "WWW-Authenticate": { schema: { type: "string" }, description: "Bearer challenge." } },
  }),
  "429": error(`More than ${API_RATE_LIMIT.max} requests in a minute with this token.`, {
    headers: { "Retry-After": { schema: { type: "integer" }, description: "Seconds to wait before the next request." } },
  }),
  "500": error("An error on our side; the message carries a reference to quote to support."),
  "503": error("The portal's database is restarting (DATABASE_UNAVAILABLE); nothing was done. Retry after the seconds in Retry-After.", {
    headers: { "Retry-After": { schema: { type: "integer" }, description: "Seconds to wait before retrying." } },
  }),
};

const uploadHeaderDescriptions: Record<string, string> = {
  "x-account-id": "Your organisation's account on the destination (its id is listed on the portal's Account page, under API tokens).",
  "x-filename": "The file name, as it will be delivered. Percent-encode UTF-8 characters outside ASCII. Destinations may enforce a naming rule; a refused name comes back with a `suggestion`.",
  "x-transfer-mode": "test or production (default production). Must match ISA15 of an X12 file: a mismatch is held for your decision (finding X12_MODE_MISMATCH, severity confirm) or refused (severity block), as the destination is set up.",
  "x-confirm-duplicate": "true to send a file that was already delivered in the last 30 days. Without it such a file waits with `awaitingConfirmation: true` (you can also confirm it in the portal). It does not release the other holds: an X12 file whose ISA15 (T/P) does not match X-Transfer-Mode, or whose ISA06 sender is not your submitter ID, always waits for POST /api/v1/transfers/{id}/confirm (or is refused, where the destination blocks X12 problems).",
};

const listQueryDescriptions: Record<string, string> = {
  from: "Created on or after this day (UTC), YYYY-MM-DD.",
  to: "Created on or before this day (UTC), YYYY-MM-DD.",
  status: "Only transfers in this status.",
  response: "Only transfers with this payer response: awaiting, accepted, accepted_with_errors, partially_accepted, rejected or no_response.",
  destinationId: "Only transfers to this destination.",
  q: "Part of the file name.",
  sha256: "Only files with this SHA-256 (e.g. to check whether a file was sent before).",
  sort: "newest (default), oldest, name (A–Z), name_desc (Z–A), size (largest first) or size_asc (smallest first).",
  cursor: "The `nextCursor` of the previous page.",
  limit: "Page size, 1–500 (default 50).",
};

const responseQueryDescriptions: Record<string, string> = {
  kind: "TA1, 999, 997, 277CA, other (X12 the portal keeps but does not read, e.g. an 835) or unreadable.",
  verdict: "accepted, accepted_with_errors, partially_accepted or rejected.",
  linked: "yes: files that answer one of your transfers; no: files that answer nothing sent through the portal.",
  since: "Received on or after this day (UTC), YYYY-MM-DD.",
  cursor: "The `nextCursor` of the previous page.",
  limit: "Page size, 1–200 (default 50).",
};

const idParameter = { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } };

/** The OpenAPI 3.1 description of the partner API, served at /api/v1/openapi.json. */
export function openApiDocument(serverUrl: string): JsonObject {
  return {
    openapi: "3.1.0",
    info: {
      title: "EDI Transfer Portal — partner API",
      version: "1.0.0",
      description: [
        "Upload claim files to your payers and follow their delivery, from your own systems.",
        "Authenticate with an API token created on the portal's Account page: `Authorization: Bearer edi_…`. A token acts as its user, inside their organisation, and is limited to",
        `${API_RATE_LIMIT.max} requests a minute. Every error answers with \`{ "error": { "code", "message" } }\`; the message says what to do.`,
      ].join(" "),
    },
    servers: [{ url: serverUrl }],
    security: [{ bearerAuth: [] }],
    paths: {
      "/api/v1/transfers": {
        post: {
          operationId: "createTransfer",
          summary: "Upload a file for delivery",
          description:
            "Send the file's raw bytes as the body (not multipart). The name and the announced Content-Length (against the destination's limit and your organisation's staging quota) are checked before the body is read; the bytes are hashed while they stream in and the destination's size limit is enforced mid-stream. Then the same checks as a browser upload run (name rule, X12 envelope, duplicates) and the file is queued for relay.",
          parameters: [
            ...parametersFrom(uploadHeadersSchema, "header", uploadHeaderDescriptions, ["x-account-id", "x-filename"]),
            { name: "Content-Length", in: "header", required: false, description: "The body's size in bytes; lets an oversized file be refused before it is sent. Chunked bodies are accepted too.", schema: { type: "integer", minimum: 0 } },
          ],
          requestBody: { required: true, content: { "application/octet-stream": { schema: { type: "string", contentMediaType: "application/octet-stream" } } } },
          responses: {
            "202": {
              description: "Accepted: queued for delivery, or held for your decision (`awaitingConfirmation: true`) when it duplicates a delivered file or its X12 envelope names the other mode (ISA15) or another sender (ISA06); the `findings` with severity `confirm` say which.",
              headers: { Location: { schema: { type: "string" }, description: "The transfer's URL." } },
              content: { "application/json": { schema: ref("Transfer") } },
            },
            "400": error("A header is missing or invalid (INVALID_REQUEST), or the connection ended mid-body (UPLOAD_INCOMPLETE)."),
            ...pick(commonErrors, "401"),
            "403": error(
              "Your organisation's staging quota has no room for the file (QUOTA_EXCEEDED): the bytes of its files still kept on the portal, uploads in progress included, plus this one would exceed its limit. Checked by Content-Length before the body is read, and mid-body for a chunked body; nothing is kept. Room returns as files are delivered and removed; an administrator can raise the limit.",
            ),
            "404": error("X-Account-Id is not an account of your organisation."),
            "413": error("Larger than the destination accepts (FILE_TOO_LARGE), by Content-Length or while streaming; `findings` says the limit."),
            "415": error("The body is not application/octet-stream (e.g. a multipart form)."),
            "422": error("Refused by the checks (FILE_REJECTED); `findings` lists each problem with what to do and, for names, a `suggestion`."),
            "507": error(
              "The portal is out of storage space (INSUFFICIENT_STORAGE): by Content-Length before the body is read, or mid-body when the space ran out (nothing is kept). Not a problem with the file; send it again later.",
            ),
            ...pick(commonErrors, "429", "500", "503"),
          },
        },
        get: {
          operationId: "listTransfers",
          summary: "List your organisation's transfers",
          parameters: parametersFrom(transferListQuerySchema, "query", listQueryDescriptions),
          responses: {
            "200": { description: "One page of transfers.", content: { "application/json": { schema: ref("TransferList") } } },
            "400": error("An unknown or invalid query parameter; the message names it."),
            ...commonErrors,
          },
        },
      },
      "/api/v1/transfers/{id}": {
        get: {
          operationId: "getTransfer",
          summary: "One transfer with its delivery attempts",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }],
          responses: {
            "200": {
              description: "The transfer, its check findings, every attempt with its (redacted) transcript, and the payer's answers (TA1, 999/997, 277CA) with each error in plain English beside the raw segment.",
              content: { "application/json": { schema: ref("TransferDetail") } },
            },
            "404": error("No transfer of your organisation has this id."),
            ...commonErrors,
          },
        },
      },
      "/api/v1/responses": {
        get: {
          operationId: "listResponseFiles",
          summary: "List the files your payers left for you",
          description:
            "Every file the portal picked up from your accounts' response folders: acknowledgements linked to your transfers (TA1, 999/997, 277CA) and files that answer nothing sent through the portal (an 835 remittance, a report). Newest first.",
          parameters: parametersFrom(responseListQuerySchema, "query", responseQueryDescriptions),
          responses: {
            "200": { description: "One page of payer files.", content: { "application/json": { schema: ref("ResponseFileList") } } },
            "400": error("An unknown or invalid query parameter; the message names it."),
            ...commonErrors,
          },
        },
      },
      "/api/v1/responses/{id}": {
        get: {
          operationId: "getResponseFile",
          summary: "One payer file and the transfers it answers",
          parameters: [idParameter],
          responses: {
            "200": {
              description: "The file, with `transfers`: each of your transfers it answers, its stage, verdict and headline.",
              content: {
                "application/json": {
                  schema: {
                    allOf: [
                      ref("ResponseFile"),
                      {
                        type: "object",
                        properties: {
                          transfers: {
                            type: "array",
                            items: {
                              type: "object",
                              properties: { transferId: { type: "string", format: "uuid" }, fileName: { type: "string" }, stage: { type: "string" }, verdict: { type: "string" }, headline: { type: "string" } },
                            },
                          },
                        },
                      },
                    ],
                  },
                },
              },
            },
            "404": error("No payer file of your organisation has this id."),
            ...commonErrors,
          },
        },
      },
      "/api/v1/responses/{id}/content": {
        get: {
          operationId: "downloadResponseFile",
          summary: "Download a payer file",
          description: "The file's bytes exactly as the payer left them, as an attachment (Content-Disposition) of type application/octet-stream.",
          parameters: [idParameter],
          responses: {
            "200": { description: "The file.", content: { "application/octet-stream": { schema: { type: "string", contentMediaType: "application/octet-stream" } } } },
            "404": error("No payer file of your organisation has this id."),
            "422": error("The file is no longer kept (retention removed its bytes)."),
            ...commonErrors,
          },
        },
      },
      "/api/v1/transfers/{id}/confirm": {
        post: {
          operationId: "confirmDuplicateTransfer",
          summary: "Send or drop a held file (a duplicate, an X12 mode mismatch or a sender mismatch)",
          description: "A transfer answered with `awaitingConfirmation: true` waits, with its bytes kept, until you decide. Its `findings` with severity `confirm` name the hold: DUPLICATE (the same contents were delivered in the last 30 days), X12_MODE_MISMATCH (ISA15 is T but you chose production, or the reverse), X12_SENDER_MISMATCH (ISA06 is not your submitter ID). `send` queues it for delivery; `cancel` removes the copy and marks the transfer failed with code CANCELLED. Both are audited.",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }],
          requestBody: {
            required: true,
            content: { "application/json": { schema: { type: "object", required: ["decision"], properties: { decision: { type: "string", enum: ["send", "cancel"] } } } } },
          },
          responses: {
            "200": { description: "The transfer after the decision: queued, or failed with CANCELLED.", content: { "application/json": { schema: ref("Transfer") } } },
            "400": error("The body is not JSON or the decision is missing."),
            "413": error("The body is larger than 1 KiB (PAYLOAD_TOO_LARGE), by Content-Length before it is read."),
            "404": error("No transfer of your organisation has this id."),
            "422": error("The transfer is not waiting for a decision."),
            ...commonErrors,
          },
        },
      },
    },
    components: {
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", description: "An API token (edi_…) from the portal's Account page." },
      },
      schemas: componentSchemas(),
    },
  };
}

function pick<T extends Record<string, unknown>>(object: T, ...keys: (keyof T)[]): Partial<T> {
  return Object.fromEntries(keys.map((key) => [key, object[key]])) as Partial<T>;
}
