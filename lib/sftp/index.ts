import "server-only";
import type { ProtocolDriver } from "@/lib/transfer/types";
import { deliverViaSftp } from "./deliver";
import { fetchSftpServerIdentity } from "./server-identity";

export const sftpDriver: ProtocolDriver = {
  deliver: deliverViaSftp,
  fetchServerIdentity: fetchSftpServerIdentity,
};

export { openSftpSession, SftpSession, type HostKeyInfo, type SftpSessionOptions } from "./session";
export { changeDirectory, listDirectory, type RemoteEntry } from "./remote-dir";
export { uploadFile, type UploadOptions, type UploadOutcome } from "./upload";
export { SFTP_STAGES, type SftpStage, type StageInfo, type SftpSessionHooks } from "./stages";
export { algorithmsForProfile, LEGACY_ADDITIONS } from "./algorithms";
export { sha256Fingerprint, md5Fingerprint, fingerprintIsPinned } from "./fingerprint";
