import "server-only";
export { runDiagnosis } from "./run";
export { formatDiagnosisReport, type DiagnosisReport, type DiagnosisReportContext } from "./report";
export { SFTP_DIAGNOSIS_STAGES, FTPS_DIAGNOSIS_STAGES, type StageDefinition } from "./stage-definitions";
export { DEFAULT_STAGE_TIMEOUT_MS, type DiagnosisRequest, type DiagnosisResult, type DiagnosisStage, type StageStatus } from "./types";
