import "server-only";
export { runDiagnosis } from "@/lib/diagnosis/run";
export { formatDiagnosisReport, type DiagnosisReport, type DiagnosisReportContext } from "@/lib/diagnosis/report";
export { SFTP_DIAGNOSIS_STAGES, FTPS_DIAGNOSIS_STAGES, type StageDefinition } from "@/lib/diagnosis/stage-definitions";
export { DEFAULT_STAGE_TIMEOUT_MS, type DiagnosisRequest, type DiagnosisResult, type DiagnosisStage, type StageStatus } from "@/lib/diagnosis/types";
