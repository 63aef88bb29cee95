import net from "node:net";
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
  })
  .superRefine((value, ctx) => {
    const { passivePortMin: min, passivePortMax: max } = value;
    if ((min === undefined) !== (max === undefined)) ctx.addIssue({ code: "custom", path: ["passivePortMax"], message: "Give both ends of the passive range, or neither." });
    if (min !== undefined && max !== undefined && min > max) ctx.addIssue({ code: "custom", path: ["passivePortMax"], message: "The range's end must not be below its start." });
    if (value.filenamePattern && value.filenameExample && !new RegExp(value.filenamePattern).test(value.filenameExample)) {
      ctx.addIssue({ code: "custom", path: ["filenameExample"], message: "The example does not match the pattern; fix one of them." });
    }
  });

export type DestinationForm = z.infer<typeof destinationFormSchema>;
