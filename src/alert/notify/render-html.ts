import type { Block, MessageDocument, Span } from './message-document.js';

const SEVERITY_COLOURS: Record<MessageDocument['severity'], string> = {
  critical: '#7b1fa2',
  high: '#c62828',
  medium: '#ef6c00',
  low: '#f9a825',
  info: '#1565c0',
};

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function spansHtml(spans: readonly Span[]): string {
  return spans
    .map((span) => {
      let html = escapeHtml(span.text);
      if (span.style === 'bold') html = `<strong>${html}</strong>`;
      if (span.style === 'code') html = `<code>${html}</code>`;
      if (span.href) html = `<a href="${escapeHtml(span.href)}">${html}</a>`;
      return html;
    })
    .join('');
}

function blockHtml(block: Block): string {
  switch (block.kind) {
    case 'heading':
      return `<h3 style="margin:18px 0 6px;font-size:15px">${escapeHtml(block.text)}</h3>`;
    case 'paragraph':
      return `<p style="margin:6px 0">${spansHtml(block.spans)}</p>`;
    case 'fields':
      return (
        '<table style="border-collapse:collapse;margin:8px 0">' +
        block.fields
          .map(
            (field) =>
              `<tr><th style="text-align:left;padding:2px 12px 2px 0;vertical-align:top;color:#555">${escapeHtml(field.label)}</th>` +
              `<td style="padding:2px 0">${spansHtml(field.spans)}</td></tr>`,
          )
          .join('') +
        '</table>'
      );
    case 'list':
      return `<ul style="margin:6px 0;padding-left:20px">${block.items.map((item) => `<li>${spansHtml(item)}</li>`).join('')}</ul>`;
  }
}

/** A whole HTML e-mail body with inline styles (mail clients ignore style sheets). */
export function renderEmailHtml(doc: MessageDocument): string {
  const colour = SEVERITY_COLOURS[doc.severity];
  const button = doc.url
    ? `<p style="margin:18px 0"><a href="${escapeHtml(doc.url)}" style="background:${colour};color:#fff;padding:8px 14px;border-radius:4px;text-decoration:none">Open in the Yamori dashboard</a></p>`
    : '';
  return [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    `<title>${escapeHtml(doc.title)}</title></head>`,
    '<body style="font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;font-size:14px;color:#222;max-width:680px">',
    `<h2 style="border-left:6px solid ${colour};padding-left:10px;font-size:18px">${escapeHtml(doc.title)}</h2>`,
    ...doc.blocks.map(blockHtml),
    button,
    '<p style="color:#888;font-size:12px;margin-top:24px">Sent by Yamori, which watches your home network.</p>',
    '</body></html>',
    '',
  ].join('\n');
}

/**
 * Telegram's HTML parse mode: only <b>, <i>, <a>, <code>, <pre> and entities &lt; &gt; &amp; &quot;;
 * no headings, lists or tables, so those become bold lines and bullets.
 */
export function renderTelegramHtml(doc: MessageDocument): string {
  const spans = (list: readonly Span[]): string =>
    list
      .map((span) => {
        let html = escapeHtml(span.text);
        if (span.style === 'bold') html = `<b>${html}</b>`;
        if (span.style === 'code') html = `<code>${html}</code>`;
        if (span.href) html = `<a href="${escapeHtml(span.href)}">${html}</a>`;
        return html;
      })
      .join('');
  const parts = [`<b>${escapeHtml(doc.title)}</b>`];
  for (const block of doc.blocks) {
    if (block.kind === 'heading') parts.push(`<b>${escapeHtml(block.text)}</b>`);
    else if (block.kind === 'paragraph') parts.push(spans(block.spans));
    else if (block.kind === 'fields') {
      parts.push(
        block.fields.map((field) => `<b>${escapeHtml(field.label)}:</b> ${spans(field.spans)}`).join('\n'),
      );
    } else parts.push(block.items.map((item) => `• ${spans(item)}`).join('\n'));
  }
  return parts.join('\n\n');
}
