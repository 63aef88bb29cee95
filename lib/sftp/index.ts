import "server-only";
import type { ProtocolDriver } from "@/lib/transfers/types";
import { deliverViaSftp } from "@/lib/sftp/deliver";
import { fetchSftpServerIdentity } from "@/lib/sftp/server-identity";

export const sftpDriver: ProtocolDriver = {
  deliver: deliverViaSftp,
  fetchServerIdentity: fetchSftpServerIdentity,
};

export { openSftpSession, SftpSession, type HostKeyInfo, type SftpSessionOptions } from "@/lib/sftp/session";
export { changeDirectory, listDirectory, type RemoteEntry } from "@/lib/sftp/remote-dir";
export { uploadFile, type UploadOptions, type UploadOutcome } from "@/lib/sftp/upload";
export { SFTP_STAGES, type SftpStage, type StageInfo, type SftpSessionHooks } from "@/lib/sftp/stages";
export { algorithmsForProfile, LEGACY_ADDITIONS } from "@/lib/sftp/algorithms";
export { sha256Fingerprint, md5Fingerprint, fingerprintIsPinned } from "@/lib/sftp/fingerprint";
export { pickupViaSftp, settleViaSftp } from "@/lib/sftp/pickup";
