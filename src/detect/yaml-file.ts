import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { YamoriError } from '../errors/index.js';

/** A parsed YAML file: its data, and the line of any path in it (for messages). */
export interface YamlFile {
  file: string;
  data: unknown;
  /** Line (1-based) of the node at `path`, or of the nearest parent that exists. */
  lineOf(path: readonly (string | number)[]): number;
}

/** Parses YAML text; throws RULE_YAML_INVALID naming the file and line of the first syntax error. */
export function parseYamlFile(file: string, text: string): YamlFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    throw new YamoriError('RULE_YAML_INVALID', {
      file,
      line: lineCounter.linePos(first.pos[0]).line,
      detail: first.message.split('\n')[0] ?? '',
    });
  }
  const lineOf = (path: readonly (string | number)[]): number => {
    let node: unknown = doc.contents;
    let line = 1;
    const lineOfNode = (n: unknown): number | null => {
      const range = (n as Node | null)?.range;
      return range ? lineCounter.linePos(range[0]).line : null;
    };
    line = lineOfNode(node) ?? line;
    for (const part of path) {
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => String((item.key as { value?: unknown } | null)?.value) === String(part),
        );
        if (!pair) break;
        line = lineOfNode(pair.key) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof part === 'number') {
        node = node.items[part];
        line = lineOfNode(node) ?? line;
      } else break;
    }
    return line;
  };
  return { file, data: doc.toJSON() as unknown, lineOf };
}
