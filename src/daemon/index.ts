/**
 * The daemon and the pipelines it runs: stages created in order and stopped in reverse.
 *
 * In: config and opened resources (store). Out: running pipelines (capture → decode → flow → store).
 * A flow leaves memory only through a durable store write; shutdown writes every flow still held.
 * Called by cli/; may import any stage.
 */
export {
  createPacketPipeline,
  type PacketPipeline,
  type PipelineStats,
  type PipelineDeps,
} from './packet-pipeline.js';
export {
  importCaptures,
  type CaptureImportFile,
  type CaptureImportDeps,
  type CaptureImportProgress,
  type CaptureImportResult,
} from './capture-import.js';
export {
  createCollectPipeline,
  type CollectPipeline,
  type CollectPipelineConfig,
  type CollectPipelineDeps,
  type CollectStats,
  type CollectExporterStats,
  type BoundAddress,
} from './collect-pipeline.js';
export {
  importZeekLogs,
  importEveLogs,
  type LogImportConfig,
  type LogImportDeps,
  type LogImportOptions,
  type LogImportResult,
  type LogImportStats,
  type LineProblem,
  type FileProblem,
} from './log-import-pipeline.js';
export {
  createConntrackPipeline,
  type ConntrackPipeline,
  type ConntrackPipelineConfig,
  type ConntrackPipelineDeps,
  type ConntrackPipelineStats,
} from './conntrack-pipeline.js';
export {
  runLiveCaptureLoop,
  type LiveCaptureLoopConfig,
  type LiveCaptureLoopDeps,
  type LiveCaptureLoopOptions,
  type LiveCaptureLoopStats,
} from './live-capture-loop.js';
export {
  runConntrackLoop,
  type ConntrackLoopConfig,
  type ConntrackLoopDeps,
  type ConntrackLoopOptions,
  type ConntrackLoopStats,
} from './conntrack-loop.js';
export {
  createStageSupervisor,
  periodicStage,
  sleep,
  untilAborted,
  type Stage,
  type StageControl,
  type StageState,
  type StageStatus,
  type StageSupervisor,
  type StageSupervisorOptions,
} from './stage-supervisor.js';
export { MetricSet, type MetricKind, type Labels } from './serve-metrics.js';
