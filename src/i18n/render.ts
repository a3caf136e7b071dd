/**
 * The message builders live in src/messages/ (one per kind). These names stay for the callers that
 * render a tracker event directly (the CLI preview, fixture tests).
 */
export {
  buildEventMessage as renderEvent,
  buildHeldSummary as renderHeldSummary,
  type KpiFigures,
  type RenderContext,
} from '../messages/index.ts';
