import "server-only";
export { ftpsDriver } from "./driver";
export { deliverOverFtps } from "./deliver";
export { fetchFtpsServerIdentity } from "./identity";
export { openFtpsSession, type FtpsSession, type OpenFtpsSessionOptions } from "./session";
export type { FtpsStage, FtpsStageInfo, FtpsSessionHooks } from "./stages";
export type { CertificateSummary } from "./certificate";
export { normalizeSha256, pinMatches } from "./certificate";
