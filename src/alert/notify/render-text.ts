import { spansText, type MessageDocument } from './message-document.js';

/** Plain text: e-mail's text part, ntfy, the webhook's `text`. Links are written out in full. */
export function renderText(doc: MessageDocument, options: { withTitle?: boolean } = {}): string {
  const lines: string[] = options.withTitle === false ? [] : [doc.title, ''];
  for (const block of doc.blocks) {
    switch (block.kind) {
      case 'heading':
        lines.push(block.text, '-'.repeat(block.text.length));
        break;
      case 'paragraph':
        lines.push(spansText(block.spans));
        break;
      case 'fields': {
        const width = Math.max(...block.fields.map((field) => field.label.length)) + 1;
        for (const field of block.fields)
          lines.push(`${(field.label + ':').padEnd(width)} ${spansText(field.spans)}`);
        break;
      }
      case 'list':
        for (const item of block.items) lines.push(`- ${spansText(item)}`);
        break;
    }
    lines.push('');
  }
  return lines.join('\n').trimEnd() + '\n';
}

/** One line (syslog): the title and the first paragraph, whitespace collapsed. */
export function renderOneLine(doc: MessageDocument): string {
  return `${doc.title} — ${doc.summary}`.replace(/\s+/g, ' ').trim();
}
