/** "a,b, c" as ["a", "b", "c"]: trimmed, empty items and the "None" placeholder dropped, each once. */
export function splitTags(text: string, separator = ','): string[] {
  if (text.length === 0 || text === 'None') return [];
  const tags: string[] = [];
  for (const part of text.split(separator)) {
    const tag = part.trim();
    if (tag.length > 0 && tag !== 'None' && !tags.includes(tag)) tags.push(tag);
  }
  return tags;
}

/** Adds tags to a draft's list, each once. */
export function addTags(target: string[], tags: readonly string[]): void {
  for (const tag of tags) if (!target.includes(tag)) target.push(tag);
}

/**
 * splitTags with a memory of the last text: a dump repeats the same tags field row after row
 * ("32-bit,elf,mips,Mozi"), so each row gets a copy of the list instead of a new split. One per parse.
 */
export class TagSplitter {
  private lastText = '';
  private lastTags: string[] = [];

  split(text: string): string[] {
    if (text !== this.lastText) {
      this.lastText = text;
      this.lastTags = splitTags(text);
    }
    return this.lastTags.slice();
  }
}
