import { applyOptionsRecord, drop, emitFlowRecord, type DecodeContext } from './decode-context.js';
import { readDataRecord, type RecordFields } from './record-fields.js';
import { templateScope } from './exporter-state.js';
import { readTemplateRecord } from './template.js';

const SET_HEADER_BYTES = 4;
const MIN_DATA_SET_ID = 256;

/**
 * Walks the sets (flowsets) of a NetFlow v9 or IPFIX message from `at` to `end`: templates are
 * stored or withdrawn, data records decoded with their template. A set that cannot be framed ends the
 * walk (nothing after it can be trusted); a bad template or a data set without its template costs only
 * that set. Set ids: v9 uses 0 for templates and 1 for options templates, IPFIX 2 and 3; 256 and up
 * are data sets named by their template id; the ids between are reserved and skipped.
 */
export function walkSets(
  b: Uint8Array,
  at: number,
  end: number,
  ctx: DecodeContext,
  f: RecordFields,
  domainId: number,
  isIpfix: boolean,
): void {
  const templateSetId = isIpfix ? 2 : 0;
  const optionsSetId = isIpfix ? 3 : 1;
  const scope = templateScope(domainId, isIpfix);
  // v9 pads flowsets to 4 bytes, and some exporters pad the datagram: fewer than 4 bytes are padding.
  while (end - at >= SET_HEADER_BYTES) {
    const setId = (b[at]! << 8) | b[at + 1]!;
    const setLength = (b[at + 2]! << 8) | b[at + 3]!;
    if (setLength < SET_HEADER_BYTES || at + setLength > end) {
      drop(ctx, 'bad_set');
      return;
    }
    const setEnd = at + setLength;
    const bodyAt = at + SET_HEADER_BYTES;
    if (setId === templateSetId || setId === optionsSetId) {
      readTemplateSet(b, bodyAt, setEnd, ctx, scope, isIpfix, setId === optionsSetId, setId);
    } else if (setId >= MIN_DATA_SET_ID) {
      readDataSet(b, bodyAt, setEnd, ctx, f, scope, setId);
    }
    at = setEnd;
  }
}

function readTemplateSet(
  b: Uint8Array,
  at: number,
  end: number,
  ctx: DecodeContext,
  scope: number,
  isIpfix: boolean,
  isOptions: boolean,
  setId: number,
): void {
  const options = { isIpfix, isOptions };
  // Template records are at least 4 bytes (an IPFIX withdrawal); less is set padding.
  while (end - at >= 4) {
    const parsed = readTemplateRecord(b, at, end, options);
    if (parsed.kind === 'invalid') {
      drop(ctx, 'bad_template');
      return;
    }
    if (parsed.kind === 'withdraw') {
      // RFC 7011 8.1: the set's own id as template id withdraws every template of that set type.
      if (parsed.id === setId) ctx.state.withdrawAll(scope, isOptions);
      else ctx.state.withdrawTemplate(scope, parsed.id);
    } else if (!ctx.state.setTemplate(scope, parsed.id, parsed.template)) {
      drop(ctx, 'template_limit');
    }
    at = parsed.next;
  }
}

function readDataSet(
  b: Uint8Array,
  at: number,
  end: number,
  ctx: DecodeContext,
  f: RecordFields,
  scope: number,
  templateId: number,
): void {
  const template = ctx.state.template(scope, templateId);
  if (template === undefined) {
    drop(ctx, 'no_template');
    return;
  }
  const minBytes = template.minRecordBytes;
  while (end - at >= minBytes) {
    const next = readDataRecord(b, at, end, template, f);
    if (next < 0) {
      drop(ctx, 'truncated');
      return;
    }
    if (template.isOptions) applyOptionsRecord(ctx, f, scope);
    else emitFlowRecord(ctx, b, f, scope);
    at = next;
  }
}
