/** The parent ↔ seed-child contract (see seed-child.ts). */
export interface SeedJob {
  adminEmail: string;
  /** The sandbox SFTP destination must accept files at least this large. */
  maxFileMiB: number;
  /** One API token per name: the API's rate limit counts per token. */
  tokenNames: string[];
}

export interface SeedResult {
  sftpAccountId: string;
  sftpDestinationId: string;
  submitterId: string;
  maxFileMiB: number;
  /** Secrets: kept in memory only, never printed by the parent. */
  tokens: string[];
}
