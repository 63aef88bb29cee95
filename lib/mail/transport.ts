import "server-only";
import nodemailer, { type Transporter } from "nodemailer";
import { env } from "@/lib/env";

let transporter: Transporter | null | undefined;

/** The SMTP transport from SMTP_URL, or null when mail is only captured (demo, tests). */
export function smtpTransport(): Transporter | null {
  if (transporter !== undefined) return transporter;
  const url = env().SMTP_URL;
  transporter = url ? nodemailer.createTransport(url) : null;
  return transporter;
}

/** For tests that switch SMTP_URL. */
export function resetSmtpTransport(): void {
  transporter?.close();
  transporter = undefined;
}
