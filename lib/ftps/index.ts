import "server-only";
export { ftpsDriver } from "@/lib/ftps/driver";
export { deliverOverFtps } from "@/lib/ftps/deliver";
export { pickupOverFtps, settleOverFtps } from "@/lib/ftps/pickup";
export { fetchFtpsServerIdentity } from "@/lib/ftps/identity";
export { openFtpsSession, type FtpsSession, type OpenFtpsSessionOptions } from "@/lib/ftps/session";
export type { FtpsStage, FtpsStageInfo, FtpsSessionHooks } from "@/lib/ftps/stages";
export type { CertificateSummary } from "@/lib/ftps/certificate";
export { normalizeSha256, pinMatches } from "@/lib/ftps/certificate";
