import { errorCodes, type ErrorCode } from "@/lib/errors";
import { KEY_ERROR_CODES, type KeyErrorCode } from "@/lib/keys/errors";
import { TRANSFER_ERROR_CODES, TRANSFER_STOP_CODES, type TransferErrorCode, type TransferStopCode } from "@/lib/transfers/errors";
import { VAULT_ERROR_CODES, type VaultErrorCode } from "@/lib/vault/errors";

/*
 * Every error code the portal emits, in one typed union. Each family is declared next to the code
 * that raises it (so a leaf such as lib/keys owns its codes); this is the one place that sees them
 * all, and `test/error-codes.test.ts` checks that no code means two things.
 *
 * - answer codes: what a JSON error body carries (lib/errors.ts)
 * - transfer codes: why a delivery attempt failed, each with a guide (lib/transfers/errors.ts)
 * - transfer stop codes: the portal's own reasons to stop a transfer, never retried
 * - key codes: why an uploaded key was refused (lib/keys/errors.ts)
 * - vault codes: why a sealed secret could not be used (lib/vault/errors.ts)
 */
export type PortalErrorCode = ErrorCode | TransferErrorCode | TransferStopCode | KeyErrorCode | VaultErrorCode;

export const ERROR_CODE_FAMILIES: Readonly<Record<string, readonly PortalErrorCode[]>> = {
  answer: errorCodes,
  transfer: Object.keys(TRANSFER_ERROR_CODES) as TransferErrorCode[],
  transferStop: Object.keys(TRANSFER_STOP_CODES) as TransferStopCode[],
  key: KEY_ERROR_CODES,
  vault: Object.keys(VAULT_ERROR_CODES) as VaultErrorCode[],
};

export function isPortalErrorCode(value: string): value is PortalErrorCode {
  return Object.values(ERROR_CODE_FAMILIES).some((codes) => (codes as readonly string[]).includes(value));
}
