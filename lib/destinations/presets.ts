import type { DestinationForm } from "@/lib/destinations/form-schema";

export interface DestinationPreset {
  id: string;
  label: string;
  description: string;
  values: DestinationForm;
}

/** The two payers described in our partner guides, as starting points for an admin. */
export const destinationPresets: DestinationPreset[] = [
  {
    id: "fl-edi-sftp",
    label: "FL EDI — SFTP (GlobalSCAPE, password then RSA-2048 key)",
    description:
      "Port 22 only. The server checks the password first, answers with partial success, then requires the account's RSA-2048 public key. It negotiates older algorithms (group-exchange SHA-1, AES-256-CBC, HMAC-MD5). Answers are collected from /outbound and archived after pickup.",
    values: {
      name: "FL EDI claims (SFTP)",
      protocol: "sftp",
      host: "dwcftp.fldfs.com",
      port: 22,
      remoteDir: "/incoming",
      auth: "password_and_key",
      keyBitsMode: "exact",
      keyBits: 2048,
      keyRotationDays: 365,
      algorithmProfile: "legacy",
      tlsMode: "ca",
      tlsCaPem: "",
      passivePortMin: undefined,
      passivePortMax: undefined,
      filenamePattern: "^S[A-Z0-9]+-[0-9]{8}-[0-9]{6}[PT]\\.TXT$",
      filenameExample: "S000000050A49-20121210-103412P.TXT",
      maxFileMiB: 100,
      upstreamRetentionDays: undefined,
      uploadStrategy: "temp_then_rename",
      tempSuffix: ".part",
      x12Policy: "block",
      relayConcurrency: 2,
      // Answers (TA1, 999/997, 277CA) and remittances (835) come back in /outbound. The pickup compiles the
      // pattern without flags, so "TA1" is spelled to match either case; the numeric endings have none.
      responseDir: "/outbound",
      responsePattern: "\\.([Tt][Aa]1|999|997|277|835)$",
      responsePollSeconds: 300,
      responseAfterPickup: "move",
      responseMoveDir: "/outbound/archive",
      responseWaitHours: 24,
    },
  },
  {
    id: "communicator-ftps",
    label: "Communicator — FTPS explicit (port 21, passive 53000–54999)",
    description:
      "FTP over TLS, explicit mode on port 21 (implicit on 990 also offered), passive mode only with data ports 53000–54999, a wildcard certificate, files removed after 14 days. Answers are collected from /outbound and left for the server's own clean-up.",
    values: {
      name: "Communicator (FTPS explicit)",
      protocol: "ftps_explicit",
      host: "data.communicatorcorp.com",
      port: 21,
      remoteDir: "/",
      auth: "password",
      keyBitsMode: "exact",
      keyBits: 2048,
      keyRotationDays: 365,
      algorithmProfile: "modern",
      tlsMode: "ca",
      tlsCaPem: "",
      passivePortMin: 53000,
      passivePortMax: 54999,
      filenamePattern: "",
      filenameExample: "",
      maxFileMiB: 500,
      upstreamRetentionDays: 14,
      uploadStrategy: "temp_then_rename",
      tempSuffix: ".part",
      x12Policy: "block",
      relayConcurrency: 2,
      // Everything in /outbound is an answer; the server purges files after 14 days, so nothing is removed here.
      responseDir: "/outbound",
      responsePattern: "",
      responsePollSeconds: 600,
      responseAfterPickup: "leave",
      responseMoveDir: "",
      responseWaitHours: 48,
    },
  },
];
