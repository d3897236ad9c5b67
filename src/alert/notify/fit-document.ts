import type { Block, MessageDocument, Span } from './message-document.js';

/**
 * Shrinks a document until `fits(doc)`: first lists lose their last items (replaced by "… and N more",
 * the number kept found by bisection, so a digest of thousands costs a few renders), then the longest
 * paragraph is shortened. Shrinking the document rather than the rendered text keeps markup and
 * escapes whole.
 */
export function fitDocument(doc: MessageDocument, fits: (doc: MessageDocument) => boolean): MessageDocument {
  if (fits(doc)) return doc;
  let current = doc;
  for (let i = current.blocks.length - 1; i >= 0; i--) {
    const block = current.blocks[i]!;
    if (block.kind !== 'list' || block.items.length <= 1) continue;
    const keeping = (kept: number): MessageDocument => withList(current, i, block.items, kept);
    let low = 1;
    let high = block.items.length - 1;
    if (!fits(keeping(low))) {
      current = keeping(low);
      continue;
    }
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (fits(keeping(middle))) low = middle;
      else high = middle - 1;
    }
    return keeping(low);
  }
  for (let round = 0; round < 1_000 && !fits(current); round++) {
    const next = shortenParagraph(current);
    if (next === null) {
      return {
        ...current,
        blocks: [
          {
            kind: 'paragraph',
            spans: [{ text: 'The message was too long to send here; open the dashboard for details.' }],
          },
        ],
      };
    }
    current = next;
  }
  return current;
}

function withList(doc: MessageDocument, index: number, items: Span[][], kept: number): MessageDocument {
  const blocks: Block[] = [...doc.blocks];
  const more = items.length - kept;
  blocks[index] = {
    kind: 'list',
    items: more > 0 ? [...items.slice(0, kept), [{ text: `… and ${more} more` }]] : items,
  };
  return { ...doc, blocks };
}

/** A `fits` test: the rendering is at most `limit` long as `measure` counts (characters by default). */
export function renderedWithin(
  render: (doc: MessageDocument) => string,
  limit: number,
  measure: (text: string) => number = (text) => text.length,
): (doc: MessageDocument) => boolean {
  return (doc) => measure(render(doc)) <= limit;
}

function shortenParagraph(doc: MessageDocument): MessageDocument | null {
  let best: { block: number; span: number; length: number } | null = null;
  doc.blocks.forEach((block, b) => {
    const spans = block.kind === 'paragraph' ? block.spans : [];
    spans.forEach((span, s) => {
      if (!span.href && span.text.length > 40 && (best === null || span.text.length > best.length)) {
        best = { block: b, span: s, length: span.text.length };
      }
    });
  });
  if (best === null) return null;
  const { block: b, span: s, length } = best;
  const blocks = structuredClone(doc.blocks);
  const target = blocks[b]!;
  if (target.kind !== 'paragraph') return null;
  const keep = Math.max(40, Math.floor(length * 0.8));
  target.spans[s] = { ...target.spans[s]!, text: target.spans[s]!.text.slice(0, keep - 1).trimEnd() + '…' };
  return { ...doc, blocks };
}
