import type { Block, MessageDocument, Span } from './message-document.js';

/**
 * `commonmark`: GitHub issues and Discord. `slack`: Slack's mrkdwn. `telegram`: Telegram's MarkdownV2.
 * Each escapes differently, so user-controlled text (device names, rule text, feed values) can never
 * turn into markup, a mention or a link.
 */
export type MarkdownFlavour = 'commonmark' | 'slack' | 'telegram';

const TELEGRAM_SPECIAL = /[_*[\]()~`>#+\-=|{}.!\\]/g;
const COMMONMARK_SPECIAL = /[\\`*_{}[\]<>()#|~@!]/g;

/** Escapes plain text so it shows literally in the flavour's markup. */
export function escapeMarkdown(text: string, flavour: MarkdownFlavour): string {
  switch (flavour) {
    case 'slack':
      return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    case 'telegram':
      return text.replace(TELEGRAM_SPECIAL, '\\$&');
    case 'commonmark':
      // A block that starts with "-", "+", "1." or "=" would become a list or a heading underline.
      return text.replace(COMMONMARK_SPECIAL, '\\$&').replace(/^([-+=]|\d+(?=[.)]))/, '\\$1');
  }
}

function linkTarget(url: string, flavour: MarkdownFlavour): string {
  switch (flavour) {
    case 'slack':
      return url.replace(/&/g, '&amp;').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/\|/g, '%7C');
    case 'telegram':
      return url.replace(/[)\\]/g, '\\$&');
    case 'commonmark':
      return url.replace(
        /[()<>\s]/g,
        (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'),
      );
  }
}

function code(text: string, flavour: MarkdownFlavour): string {
  if (flavour === 'telegram') return '`' + text.replace(/[`\\]/g, '\\$&') + '`';
  const inner = text.replace(/`/g, "'");
  return '`' + (flavour === 'slack' ? escapeMarkdown(inner, 'slack') : inner) + '`';
}

export function renderSpans(spans: readonly Span[], flavour: MarkdownFlavour): string {
  return spans
    .map((span) => {
      let out = span.style === 'code' ? code(span.text, flavour) : escapeMarkdown(span.text, flavour);
      if (span.style === 'bold') out = flavour === 'commonmark' ? `**${out}**` : `*${out}*`;
      if (span.href) {
        const target = linkTarget(span.href, flavour);
        out = flavour === 'slack' ? `<${target}|${out}>` : `[${out}](${target})`;
      }
      return out;
    })
    .join('');
}

export function renderBlock(block: Block, flavour: MarkdownFlavour): string {
  const bullet = flavour === 'commonmark' ? '- ' : '• ';
  const bold = (text: string): string =>
    flavour === 'commonmark' ? `**${escapeMarkdown(text, flavour)}**` : `*${escapeMarkdown(text, flavour)}*`;
  switch (block.kind) {
    case 'heading':
      return flavour === 'commonmark' ? `### ${escapeMarkdown(block.text, flavour)}` : bold(block.text);
    case 'paragraph':
      return renderSpans(block.spans, flavour);
    case 'fields':
      return block.fields
        .map((field) => `${bullet}${bold(field.label + ':')} ${renderSpans(field.spans, flavour)}`)
        .join('\n');
    case 'list':
      return block.items.map((item) => bullet + renderSpans(item, flavour)).join('\n');
  }
}

/** The whole document as Markdown of one flavour, blocks separated by blank lines. */
export function renderMarkdown(
  doc: MessageDocument,
  flavour: MarkdownFlavour,
  options: { withTitle?: boolean } = {},
): string {
  const parts = doc.blocks.map((block) => renderBlock(block, flavour));
  if (options.withTitle !== false) {
    const title = escapeMarkdown(doc.title, flavour);
    parts.unshift(flavour === 'commonmark' ? `## ${title}` : `*${title}*`);
  }
  return parts.join('\n\n');
}
