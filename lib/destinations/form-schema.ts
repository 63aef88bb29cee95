import net from "node:net";
import path from "node:path";
import { z } from "zod";

const optionalInt = (min: number, max: number, message: string) =>
  z.preprocess((v) => (v === "" || v === undefined || v === null ? undefined : v), z.coerce.number({ message }).int(message).min(min, message).max(max, message).optional());

const hostname = z
  .string()
  .trim()
  .min(1, "Enter the payer's host name or IP address.")
  .max(253)
  .refine((value) => !/[/:@\s]/.test(value) || net.isIPv6(value), "Enter only the host name, without protocol, port, user or path (e.g. sftp.payer.example).")
  .refine(
    (value) => net.isIP(value) !== 0 || /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(value),
    "That is not a valid host name.",
  );

/* ---------------------------------------------------------------- payer responses */

/** The folder form shared by the response folder and the archive folder: no line breaks, no way up. */
const folder = (tooLong: string) =>
  z
    .string()
    .trim()
    .max(500, tooLong)
    .refine((v) => !/[\0\r\n]/.test(v), "A folder cannot contain line breaks.")
    .refine((v) => !v.split("/").includes(".."), 'Use a plain folder path without "..".')
    // "/outbound/" and "/outbound" are the same folder; stored without the trailing slash so they compare equal.
    .transform((v) => (v.length > 1 ? v.replace(/\/+$/, "") : v));

/** A form number: an empty field says what to enter; a missing key (callers that build the form in code) takes the column's default. */
const formInteger = (fallback: number, min: number, max: number, messages: { missing: string; range: string }) =>
  z
    .preprocess((v) => (v === "" ? Number.NaN : v), z.coerce.number({ message: messages.missing }).int(messages.range).min(min, messages.range).max(max, messages.range))
    .default(fallback);

/**
 * Where the payer leaves its answers (lib/responses polls it for each account). An empty folder means
 * they are not collected. Defaults equal the database's, so a form built in code without these keys
 * describes "not collected" rather than failing.
 */
const responseLocationFields = {
  responseDir: folder("Keep the folder under 500 characters.")
    .refine((v) => v === "" || v.startsWith("/"), "Start the folder with / (e.g. /outbound), or leave it empty if the payer's answers are not collected.")
    .default(""),
  responsePattern: z
    .string()
    .trim()
    .max(200, "Keep the pattern under 200 characters: match the endings (e.g. \\.(999|277|TA1)$), not whole names.")
    .refine(compiles, "That is not a valid regular expression. Example: \\.(999|277|TA1)$ takes names ending in .999, .277 or .TA1.")
    .refine((v) => !repeatsARepetition(v), "A repeated group that itself repeats (like (a+)+) can take the checker minutes on one long name; repeat only once.")
    .default(""),
  // 10 s is the floor for sandbox payers, which answer within seconds; real payers get at least 60 s, checked in
  // lib/destinations/service.ts where the sandbox switch is known (each check is a login the payer counts).
  responsePollSeconds: formInteger(300, 10, 86_400, { missing: "Enter how often to look for answers, in seconds (e.g. 300).", range: "Look every 10 to 86400 seconds (once a day); 300 suits most payers." }),
  responseAfterPickup: z.enum(["leave", "delete", "move"], { message: "Choose what happens to a payer's file once the portal has it." }).default("leave"),
  responseMoveDir: folder("Keep the folder under 500 characters.").default(""),
  responseWaitHours: formInteger(24, 1, 720, { missing: "Enter how many hours to wait for the payer's answer (e.g. 24).", range: "Wait 1 to 720 hours (30 days) for an answer." }),
};

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/**
 * A group with a quantifier inside, itself quantified — the usual shape of catastrophic backtracking.
 * Escapes and character classes are reduced to one letter first, so "[+*]" or "\\+" are not quantifiers.
 */
function repeatsARepetition(pattern: string): boolean {
  let atoms = "";
  for (let i = 0; i < pattern.length; i += 1) {
    if (pattern[i] === "\\") {
      atoms += "a";
      i += 1;
    } else if (pattern[i] === "[") {
      let j = i + 1;
      while (j < pattern.length && pattern[j] !== "]") j += pattern[j] === "\\" ? 2 : 1;
      atoms += "a";
      i = j;
    } else {
      atoms += pattern[i];
    }
  }
  return /\([^()]*[+*}][^()]*\)[+*{]/.test(atoms);
}

interface ResponseLocationValues {
  remoteDir: string;
  filenameExample?: string;
  responseDir: string;
  responsePattern: string;
  responseAfterPickup: "leave" | "delete" | "move";
  responseMoveDir: string;
}

function checkResponseLocation(value: ResponseLocationValues, ctx: z.RefinementCtx): void {
  if (value.responseAfterPickup === "move") {
    if (!value.responseMoveDir) {
      ctx.addIssue({ code: "custom", path: ["responseMoveDir"], message: "Name the folder picked-up files are moved to (e.g. /outbound/archive)." });
    } else if (value.responseDir && path.posix.resolve(value.responseDir, value.responseMoveDir) === path.posix.resolve(value.responseDir)) {
      ctx.addIssue({ code: "custom", path: ["responseMoveDir"], message: "Move them to another folder than the one checked for answers (e.g. /outbound/archive)." });
    }
  }
  // Answers in the upload folder: without a pattern the portal would take its own uploads for answers (and delete or move them).
  if (value.responseDir && path.posix.resolve(value.responseDir) === path.posix.resolve(value.remoteDir)) {
    if (!value.responsePattern) {
      ctx.addIssue({ code: "custom", path: ["responsePattern"], message: "The answers arrive in the upload folder: give a pattern for their names, so your own uploads are not taken for answers." });
    } else if (value.filenameExample && compiles(value.responsePattern) && new RegExp(value.responsePattern).test(value.filenameExample)) {
      ctx.addIssue({ code: "custom", path: ["responsePattern"], message: "This pattern also takes the upload file name example, and both share one folder: narrow it to the answers' names." });
    }
  }
}

/** The admin's destination form. Pins are set separately, through "fetch and review". */
export const destinationFormSchema = z
  .object({
    name: z.string().trim().min(2, "Give the destination a name partners recognise.").max(120),
    protocol: z.enum(["sftp", "ftps_explicit", "ftps_implicit"], { message: "Choose SFTP, FTPS explicit or FTPS implicit." }),
    host: hostname,
    port: z.coerce.number({ message: "Enter a port number." }).int().min(1, "Ports run from 1 to 65535.").max(65535, "Ports run from 1 to 65535."),
    remoteDir: z
      .string()
      .trim()
      .min(1, "Enter the remote directory, e.g. /incoming.")
      .max(500)
      .regex(/^\/[^\0\r\n]*$/, "Start the directory with / (e.g. /incoming)."),
    auth: z.enum(["password", "key", "password_and_key"], { message: "Choose what the server requires." }),
    keyBitsMode: z.enum(["exact", "min"]),
    keyBits: z.coerce.number().int().refine((v) => [2048, 3072, 4096].includes(v), "Choose 2048, 3072 or 4096 bits."),
    keyRotationDays: z.coerce.number().int().min(30, "Use at least 30 days.").max(3650),
    algorithmProfile: z.enum(["modern", "legacy"]),
    tlsMode: z.enum(["ca", "pinned"]),
    tlsCaPem: z
      .string()
      .trim()
      .max(20_000)
      .refine((v) => v === "" || /-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(v), "Paste the CA certificate in PEM form (-----BEGIN CERTIFICATE----- …).")
      .optional(),
    passivePortMin: optionalInt(1024, 65535, "Passive ports run from 1024 to 65535."),
    passivePortMax: optionalInt(1024, 65535, "Passive ports run from 1024 to 65535."),
    filenamePattern: z
      .string()
      .trim()
      .max(300)
      .refine((v) => {
        if (!v) return true;
        try {
          new RegExp(v);
          return true;
        } catch {
          return false;
        }
      }, "That is not a valid regular expression.")
      .optional(),
    filenameExample: z.string().trim().max(200).optional(),
    maxFileMiB: z.coerce.number({ message: "Enter a size in MiB." }).int().min(1, "At least 1 MiB.").max(10_240, "At most 10 GiB."),
    upstreamRetentionDays: optionalInt(1, 3650, "Use 1 to 3650 days."),
    uploadStrategy: z.enum(["temp_then_rename", "direct"]),
    tempSuffix: z
      .string()
      .trim()
      .min(1)
      .max(20)
      .regex(/^[.\-_A-Za-z0-9]+$/, "Use letters, digits, dots, dashes or underscores (e.g. .part)."),
    x12Policy: z.enum(["block", "warn"]),
    relayConcurrency: z.coerce
      .number({ message: "Enter how many files may be sent to this payer at once." })
      .int("Use a whole number.")
      .min(1, "At least 1.")
      .max(32, "At most 32: payers rarely allow more sessions per account."),
    ...responseLocationFields,
  })
  .superRefine((value, ctx) => {
    const { passivePortMin: min, passivePortMax: max } = value;
    if ((min === undefined) !== (max === undefined)) ctx.addIssue({ code: "custom", path: ["passivePortMax"], message: "Give both ends of the passive range, or neither." });
    if (min !== undefined && max !== undefined && min > max) ctx.addIssue({ code: "custom", path: ["passivePortMax"], message: "The range's end must not be below its start." });
    if (value.filenamePattern && value.filenameExample && !new RegExp(value.filenamePattern).test(value.filenameExample)) {
      ctx.addIssue({ code: "custom", path: ["filenameExample"], message: "The example does not match the pattern; fix one of them." });
    }
    checkResponseLocation(value, ctx);
  });

export type DestinationForm = z.infer<typeof destinationFormSchema>;
