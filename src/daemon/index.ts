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
