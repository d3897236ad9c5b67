/**
 * Doubly linked lists of flow ids, kept in last-seen order: a touched flow moves to the tail, so a
 * list's head is always its flow that has been quiet longest. One list per timeout class lets expiry
 * stop at the first flow that has not timed out. The links of every id live in one Int32Array
 * (previous and next, -1 for none), so moving a flow writes a few integers and allocates nothing.
 */
export class FlowLists {
  private links: Int32Array = new Int32Array(2048).fill(-1);
  private readonly heads: Int32Array;
  private readonly tails: Int32Array;
  private readonly sizes: Int32Array;

  constructor(readonly count: number) {
    this.heads = new Int32Array(count).fill(-1);
    this.tails = new Int32Array(count).fill(-1);
    this.sizes = new Int32Array(count);
  }

  /** The id at the head of `list`, or -1 when it is empty. */
  head(list: number): number {
    return this.heads[list]!;
  }

  /** The id after `id` on its list, or -1. */
  next(id: number): number {
    return this.links[2 * id + 1]!;
  }

  size(list: number): number {
    return this.sizes[list]!;
  }

  append(list: number, id: number): void {
    if (2 * id + 1 >= this.links.length) this.grow(id);
    const links = this.links;
    const tail = this.tails[list]!;
    links[2 * id] = tail;
    links[2 * id + 1] = -1;
    if (tail === -1) this.heads[list] = id;
    else links[2 * tail + 1] = id;
    this.tails[list] = id;
    this.sizes[list]!++;
  }

  /** Takes `id` off `list`, which it is on (the caller keeps track of which). */
  remove(list: number, id: number): void {
    const links = this.links;
    const prev = links[2 * id]!;
    const next = links[2 * id + 1]!;
    if (prev === -1) this.heads[list] = next;
    else links[2 * prev + 1] = next;
    if (next === -1) this.tails[list] = prev;
    else links[2 * next] = prev;
    links[2 * id] = -1;
    links[2 * id + 1] = -1;
    this.sizes[list]!--;
  }

  /** Moves `id`, which is on `list`, to that list's tail. */
  moveToTail(list: number, id: number): void {
    if (this.tails[list] === id) return;
    this.remove(list, id);
    this.append(list, id);
  }

  private grow(id: number): void {
    // A quarter more at a time (in whole pairs): at a million flows, doubling could leave megabytes unused.
    let length = this.links.length;
    while (2 * id + 1 >= length) length = 2 * Math.ceil((length * 1.25) / 2);
    const links = new Int32Array(length).fill(-1);
    links.set(this.links);
    this.links = links;
  }
}
