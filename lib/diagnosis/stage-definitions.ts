/** The stages each protocol's diagnosis shows, in order. Keys are stable (the UI and guides use them). */
export interface StageDefinition {
  key: string;
  label: string;
}

export const SFTP_DIAGNOSIS_STAGES = [
  { key: "dns", label: "DNS lookup" },
  { key: "tcp", label: "TCP connection" },
  { key: "banner", label: "SSH server banner" },
  { key: "algorithms", label: "Algorithm negotiation" },
  { key: "hostkey", label: "Host key" },
  { key: "auth", label: "Authentication" },
  { key: "sftp", label: "SFTP subsystem" },
  { key: "directory", label: "Remote directory" },
  { key: "listing", label: "Directory listing" },
  { key: "write", label: "Write test" },
] as const satisfies readonly StageDefinition[];

/**
 * "directory" (CWD to the destination's remote directory) sits between protection and PASV so a
 * missing directory is named as such rather than surfacing inside the listing.
 */
export const FTPS_DIAGNOSIS_STAGES = [
  { key: "dns", label: "DNS lookup" },
  { key: "tcp", label: "TCP connection" },
  { key: "tls", label: "TLS" },
  { key: "certificate", label: "Certificate" },
  { key: "login", label: "Login" },
  { key: "protection", label: "Data protection (PBSZ 0, PROT P)" },
  { key: "directory", label: "Remote directory" },
  { key: "passive", label: "Passive mode (PASV)" },
  { key: "data", label: "Data connection" },
  { key: "listing", label: "Directory listing" },
  { key: "write", label: "Write test" },
] as const satisfies readonly StageDefinition[];

export type SftpDiagnosisStageKey = (typeof SFTP_DIAGNOSIS_STAGES)[number]["key"];
export type FtpsDiagnosisStageKey = (typeof FTPS_DIAGNOSIS_STAGES)[number]["key"];
