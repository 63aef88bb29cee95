/**
 * What the portal's event loop and its worker threads say to each other. Values cross the thread
 * boundary by structured clone, so errors travel as plain records and are rebuilt as the typed
 * errors (TransferError, KeyError, UserInputError) whose codes drive messages and guides.
 */
import { KeyError, KEY_ERROR_CODES, type KeyErrorCode } from "@/lib/keys/errors";
import { UserInputError } from "@/lib/errors";
import { isTransferErrorCode, TransferError } from "@/lib/transfers/errors";

export type ToWorker =
  | { type: "run"; id: number; task: string; args: unknown }
  | { type: "abort"; id: number; reason: string }
  | { type: "ping"; seq: number };

export type FromWorker =
  | { type: "event"; id: number; event: unknown }
  | { type: "result"; id: number; ok: true; value: unknown }
  | { type: "result"; id: number; ok: false; error: SerializedError }
  | { type: "pong"; seq: number };

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  detail?: string;
  field?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const { code, detail, field } = error as Error & { code?: unknown; detail?: unknown; field?: unknown };
    return {
      name: error.name,
      message: error.message,
      ...(typeof code === "string" ? { code } : {}),
      ...(typeof detail === "string" ? { detail } : {}),
      ...(typeof field === "string" ? { field } : {}),
    };
  }
  return { name: "Error", message: String(error) };
}

export function deserializeError(error: SerializedError): Error {
  if (error.name === "TransferError" && error.code && isTransferErrorCode(error.code)) {
    return new TransferError(error.code, error.message, { detail: error.detail });
  }
  if (error.name === "KeyError" && (KEY_ERROR_CODES as readonly string[]).includes(error.code ?? "")) {
    return new KeyError(error.code as KeyErrorCode, error.message);
  }
  if (error.name === "UserInputError") return new UserInputError(error.message, error.field);
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  return rebuilt;
}
