import "server-only";
import type { SubmissionAnswerer } from "@/lib/sandbox/payer-responder";

export interface SandboxFtpsCertificate {
  certPem: string;
  keyPem: string;
}

/** Run-time switchable misbehaviour of the sandbox payer. `setFaults` replaces the whole set. */
export interface SandboxFtpsFaults {
  /** Cut the control and data connections once this many bytes of an upload have been stored. */
  dropAfterBytes?: number;
  /** Answer RNTO with 550. */
  refuseRename?: boolean;
  /** Throttle uploads to this rate. */
  slowLinkBytesPerSecond?: number;
  /** Present this certificate to new connections instead of the configured one. */
  alternateCertificate?: SandboxFtpsCertificate;
  /** Advertise a passive port in the range on which nothing listens. */
  closedPassiveRange?: boolean;
  /** Name this IP in PASV replies (the server listens there too and counts who connects). */
  pasvForeignAddress?: string;
  /** 550 on STOR / APPE / RNTO / DELE / MKD. */
  readOnly?: boolean;
  /** RETR refused with 550, like payers' write-only drop boxes. */
  writeOnly?: boolean;
  /** Lock an account (421, then refuse every login) after this many failed passwords. */
  lockAfterFailures?: number;
}

export interface SandboxFtpsOptions {
  rootDir: string;
  mode: "explicit" | "implicit";
  users: Array<{ username: string; password: string }>;
  certificate: SandboxFtpsCertificate;
  passivePortRange: { min: number; max: number };
  /** 0 or omitted: a free port chosen by the kernel. */
  port?: number;
  /** Like vsftpd's require_ssl_reuse: refuse data connections that do not resume the control TLS session. Default true. */
  requireSessionReuse?: boolean;
  /** Answer each submission in /incoming with a TA1, 999 and 277CA in /outbound, as payers do. Default true. */
  respond?: boolean;
  /** How long after a submission arrives its answers appear; 3000 ms by default. */
  responseDelayMs?: number;
  /** Where the answers are built: this thread by default (lib/sandbox/payer-responder.ts). */
  answerSubmission?: SubmissionAnswerer;
}

export interface SandboxFtpsStats {
  logins: number;
  failedLogins: number;
  dataConnections: number;
  dataConnectionsReusingSession: number;
  /** Connections that arrived at the foreign PASV address: must stay 0 with a correct client. */
  foreignPassiveConnections: number;
}
