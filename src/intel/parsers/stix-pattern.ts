/**
 * A parser for the STIX 2.1 patterning language (STIX 2.1 part 9): text → a tree of observation
 * expressions over comparisons. It reads the whole grammar (FOLLOWEDBY, qualifiers, IN sets, LIKE,
 * MATCHES, ISSUBSET, EXISTS, typed literals) so that a pattern Yamori cannot use is still read
 * correctly and its usable comparisons found; it never evaluates anything.
 */

export type StixLiteral = string | number | boolean;

export interface StixComparison {
  objectType: string;
  /** Property path after the colon: `file:hashes.'SHA-256'` → ["hashes", "SHA-256"]; list indexes as "[*]" / "[0]". */
  path: string[];
  /** "=", "!=", "<", "<=", ">", ">=", "IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET" or "EXISTS". */
  operator: string;
  negated: boolean;
  /** One literal, the set of an IN, or null for EXISTS. */
  value: StixLiteral | StixLiteral[] | null;
}

export type PatternNode =
  | { kind: 'comparison'; comparison: StixComparison }
  /** AND / OR between comparisons inside one observation ("[a AND b]"). */
  | { kind: 'and' | 'or'; children: PatternNode[] }
  /** One bracketed observation, with its qualifiers (WITHIN, REPEATS, START/STOP) as text. */
  | { kind: 'observation'; expression: PatternNode; qualifiers: string[] }
  /** AND / OR / FOLLOWEDBY between observations ("[a] AND [b]"). */
  | { kind: 'observation-and' | 'observation-or' | 'followed-by'; children: PatternNode[] };

export class StixPatternError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at character ${position + 1}`);
  }
}

type TokenKind = 'punct' | 'op' | 'word' | 'string' | 'number' | 'typed' | 'eof';
interface Token {
  kind: TokenKind;
  text: string;
  value: StixLiteral;
  pos: number;
}

const MAX_DEPTH = 64;
const MAX_PATTERN_LENGTH = 1 << 20;
const COMPARISON_OPERATORS = new Set(['=', '==', '!=', '<>', '<', '<=', '>', '>=']);
const STRING_OPERATORS = new Set(['LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET']);

/** Parses a STIX pattern; throws StixPatternError naming the position of the first problem. */
export function parseStixPattern(text: string): PatternNode {
  if (text.length > MAX_PATTERN_LENGTH) throw new StixPatternError('pattern longer than 1 MiB', 0);
  return new PatternParser(tokenize(text)).parse();
}

class PatternParser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): PatternNode {
    const node = this.observationExpressions();
    this.expect('eof');
    return node;
  }

  private observationExpressions(): PatternNode {
    return this.chain('FOLLOWEDBY', 'followed-by', () => this.observationOr());
  }

  private observationOr(): PatternNode {
    return this.chain('OR', 'observation-or', () => this.observationAnd());
  }

  private observationAnd(): PatternNode {
    return this.chain('AND', 'observation-and', () => this.qualifiedObservation());
  }

  private qualifiedObservation(): PatternNode {
    let node = this.observation();
    const qualifiers: string[] = [];
    for (;;) {
      const word = this.peekWord();
      if (word === 'WITHIN') {
        this.next();
        const seconds = this.expect('number').text;
        this.expectWord('SECONDS');
        qualifiers.push(`WITHIN ${seconds} SECONDS`);
      } else if (word === 'REPEATS') {
        this.next();
        const times = this.expect('number').text;
        this.expectWord('TIMES');
        qualifiers.push(`REPEATS ${times} TIMES`);
      } else if (word === 'START') {
        this.next();
        const start = this.expect('typed').text;
        this.expectWord('STOP');
        qualifiers.push(`START ${start} STOP ${this.expect('typed').text}`);
      } else {
        break;
      }
    }
    if (qualifiers.length > 0) {
      node =
        node.kind === 'observation'
          ? { ...node, qualifiers: [...node.qualifiers, ...qualifiers] }
          : { kind: 'observation', expression: node, qualifiers };
    }
    return node;
  }

  private observation(): PatternNode {
    const token = this.peek();
    if (token.kind === 'punct' && token.text === '[') {
      this.next();
      const expression = this.nested(() => this.comparisonOr());
      this.expectPunct(']');
      return { kind: 'observation', expression, qualifiers: [] };
    }
    if (token.kind === 'punct' && token.text === '(') {
      this.next();
      const inner = this.nested(() => this.observationExpressions());
      this.expectPunct(')');
      return inner;
    }
    throw new StixPatternError(`expected "[" or "(" but found ${describe(token)}`, token.pos);
  }

  private comparisonOr(): PatternNode {
    return this.chain('OR', 'or', () => this.comparisonAnd());
  }

  private comparisonAnd(): PatternNode {
    return this.chain('AND', 'and', () => this.propositionTest());
  }

  private propositionTest(): PatternNode {
    const token = this.peek();
    if (token.kind === 'punct' && token.text === '(') {
      this.next();
      const inner = this.nested(() => this.comparisonOr());
      this.expectPunct(')');
      return inner;
    }
    if (this.peekWord() === 'EXISTS') {
      this.next();
      const { objectType, path } = this.objectPath();
      return {
        kind: 'comparison',
        comparison: { objectType, path, operator: 'EXISTS', negated: false, value: null },
      };
    }
    const { objectType, path } = this.objectPath();
    let negated = false;
    if (this.peekWord() === 'NOT') {
      this.next();
      negated = true;
    }
    const operatorToken = this.next();
    let operator: string;
    let value: StixLiteral | StixLiteral[];
    if (operatorToken.kind === 'op' && COMPARISON_OPERATORS.has(operatorToken.text)) {
      operator = operatorToken.text === '==' ? '=' : operatorToken.text === '<>' ? '!=' : operatorToken.text;
      value = this.literal();
    } else if (operatorToken.kind === 'word' && operatorToken.text.toUpperCase() === 'IN') {
      operator = 'IN';
      value = this.set();
    } else if (operatorToken.kind === 'word' && STRING_OPERATORS.has(operatorToken.text.toUpperCase())) {
      operator = operatorToken.text.toUpperCase();
      value = this.expect('string').value;
    } else {
      throw new StixPatternError(
        `expected a comparison operator but found ${describe(operatorToken)}`,
        operatorToken.pos,
      );
    }
    return { kind: 'comparison', comparison: { objectType, path, operator, negated, value } };
  }

  private objectPath(): { objectType: string; path: string[] } {
    const typeToken = this.expect('word');
    this.expectPunct(':');
    const path = [this.pathComponent()];
    for (;;) {
      const token = this.peek();
      if (token.kind === 'punct' && token.text === '.') {
        this.next();
        path.push(this.pathComponent());
      } else if (token.kind === 'punct' && token.text === '[' && this.tokens[this.index + 2]?.text === ']') {
        // A list index: "[*]" or "[0]". An observation bracket never follows a path directly.
        this.next();
        const index = this.next();
        if (!(index.kind === 'number' || index.text === '*')) {
          throw new StixPatternError(`expected a list index but found ${describe(index)}`, index.pos);
        }
        this.next();
        path.push(`[${index.text}]`);
      } else {
        break;
      }
    }
    return { objectType: typeToken.text.toLowerCase(), path };
  }

  private pathComponent(): string {
    const token = this.next();
    if (token.kind === 'word' || token.kind === 'string') return String(token.value);
    throw new StixPatternError(`expected a property name but found ${describe(token)}`, token.pos);
  }

  private literal(): StixLiteral {
    const token = this.next();
    if (token.kind === 'string' || token.kind === 'number' || token.kind === 'typed') return token.value;
    if (token.kind === 'word') {
      const lower = token.text.toLowerCase();
      if (lower === 'true' || lower === 'false') return lower === 'true';
    }
    throw new StixPatternError(`expected a value but found ${describe(token)}`, token.pos);
  }

  private set(): StixLiteral[] {
    this.expectPunct('(');
    const values = [this.literal()];
    while (this.peek().text === ',' && this.peek().kind === 'punct') {
      this.next();
      values.push(this.literal());
    }
    this.expectPunct(')');
    return values;
  }

  /** `operand (keyword operand)*`, folded into one node when the keyword appears. */
  private chain(
    keyword: string,
    kind: 'and' | 'or' | 'observation-and' | 'observation-or' | 'followed-by',
    operand: () => PatternNode,
  ): PatternNode {
    const first = operand();
    if (this.peekWord() !== keyword) return first;
    const children = [first];
    while (this.peekWord() === keyword) {
      this.next();
      children.push(operand());
    }
    return { kind, children };
  }

  private nested<T>(inner: () => T): T {
    if (++this.depth > MAX_DEPTH)
      throw new StixPatternError(`nested deeper than ${MAX_DEPTH} levels`, this.peek().pos);
    try {
      return inner();
    } finally {
      this.depth--;
    }
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private peekWord(): string | null {
    const token = this.peek();
    return token.kind === 'word' ? token.text.toUpperCase() : null;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.index++;
    return token;
  }

  private expect(kind: TokenKind): Token {
    const token = this.next();
    if (token.kind !== kind)
      throw new StixPatternError(`expected ${kind} but found ${describe(token)}`, token.pos);
    return token;
  }

  private expectPunct(text: string): void {
    const token = this.next();
    if (token.kind !== 'punct' || token.text !== text) {
      throw new StixPatternError(`expected "${text}" but found ${describe(token)}`, token.pos);
    }
  }

  private expectWord(word: string): void {
    const token = this.next();
    if (token.kind !== 'word' || token.text.toUpperCase() !== word) {
      throw new StixPatternError(`expected ${word} but found ${describe(token)}`, token.pos);
    }
  }
}

function describe(token: Token): string {
  return token.kind === 'eof'
    ? 'the end'
    : `"${token.text.length > 20 ? token.text.slice(0, 20) + '…' : token.text}"`;
}

const WORD_START = /[A-Za-z_]/;
const WORD_PART = /[A-Za-z0-9_-]/;
const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const pos = i;
    if ('[]().,:*'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, value: c, pos });
      i++;
      continue;
    }
    if (c === "'") {
      const end = stringEnd(text, i);
      tokens.push({ kind: 'string', text: text.slice(i, end), value: unescape(text, i + 1, end - 1), pos });
      i = end;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=' || two === '==') {
      tokens.push({ kind: 'op', text: two, value: two, pos });
      i += 2;
      continue;
    }
    if (c === '=' || c === '<' || c === '>') {
      tokens.push({ kind: 'op', text: c, value: c, pos });
      i++;
      continue;
    }
    // t'…' (timestamp), h'…' (hex) and b'…' (base64) literals keep their text as the value.
    if ((c === 't' || c === 'h' || c === 'b') && text[i + 1] === "'") {
      const end = stringEnd(text, i + 1);
      tokens.push({ kind: 'typed', text: text.slice(i, end), value: unescape(text, i + 2, end - 1), pos });
      i = end;
      continue;
    }
    if (WORD_START.test(c)) {
      let end = i + 1;
      while (end < text.length && WORD_PART.test(text[end]!)) end++;
      const word = text.slice(i, end);
      tokens.push({ kind: 'word', text: word, value: word, pos });
      i = end;
      continue;
    }
    const number = NUMBER.exec(text.slice(i, i + 64));
    if (number !== null) {
      tokens.push({ kind: 'number', text: number[0], value: Number(number[0]), pos });
      i += number[0].length;
      continue;
    }
    throw new StixPatternError(`unexpected "${c}"`, pos);
  }
  tokens.push({ kind: 'eof', text: '', value: '', pos: text.length });
  return tokens;
}

/** Index just past the closing quote of the string starting at `open`. */
function stringEnd(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === "'") return i + 1;
  }
  throw new StixPatternError('string not closed', open);
}

function unescape(text: string, start: number, end: number): string {
  const raw = text.slice(start, end);
  return raw.indexOf('\\') === -1 ? raw : raw.replace(/\\(.)/g, '$1');
}
