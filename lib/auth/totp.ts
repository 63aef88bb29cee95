import "server-only";
import crypto from "node:crypto";
import { generateSecret, generateURI, verify } from "otplib";
import QRCode from "qrcode";

/** What authenticator apps show as the account's issuer. */
export const TOTP_ISSUER = "EDI Transfer Portal";
export const RECOVERY_CODE_COUNT = 10;

/** One step of clock drift either way: a code typed just as it rolls over still works. */
const DRIFT_SECONDS = 30;

export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function totpUri(secret: string, email: string): string {
  return generateURI({ issuer: TOTP_ISSUER, label: email, secret });
}

/** The QR code of the otpauth URI as an SVG document we render inline (no image request, no third party). */
export function totpQrSvg(secret: string, email: string): Promise<string> {
  return QRCode.toString(totpUri(secret, email), { type: "svg", errorCorrectionLevel: "M", margin: 1 });
}

/** The key grouped in fours for typing into an app by hand. */
export function formatManualKey(secret: string): string {
  return secret.replace(/(.{4})/g, "$1 ").trim();
}

export const TOTP_CODE = /^\d{6}$/;

/** Codes as people type them: spaces and dashes are ignored. */
export function normaliseCode(code: string): string {
  return code.replace(/[\s-]/g, "");
}

/**
 * The time step a six-digit code belongs to, if it is valid for the secret and later than
 * `afterStep` (codes at or below the last accepted step are replays). Constant-time inside otplib.
 */
export async function matchTotpStep(secret: string, code: string, afterStep: number | null): Promise<number | null> {
  const token = normaliseCode(code);
  if (!TOTP_CODE.test(token)) return null;
  const result = await verify({ secret, token, epochTolerance: DRIFT_SECONDS, ...(afterStep !== null ? { afterTimeStep: afterStep } : {}) });
  // The functional API types TOTP and HOTP results together; for TOTP, timeStep is always set.
  return result.valid && "timeStep" in result ? result.timeStep : null;
}

// Recovery codes: 10 lower-case base32 characters (50 bits), shown as xxxxx-xxxxx.
const RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";

export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from(crypto.randomBytes(10), (b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join("");
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

export function looksLikeRecoveryCode(code: string): boolean {
  return /^[a-z0-9]{10}$/.test(normaliseCode(code).toLowerCase());
}

/** Recovery codes carry 50 random bits, so a plain SHA-256 is a sound way to store them. */
export function hashRecoveryCode(code: string): string {
  return crypto.createHash("sha256").update(normaliseCode(code).toLowerCase(), "utf8").digest("hex");
}
