/** A node the list can link in place, so moving a flow to the tail allocates nothing. */
export interface ListNode<T> {
  prev: T | null;
  next: T | null;
}

/**
 * Intrusive doubly linked list kept in last-seen order: a touched flow moves to the tail, so the head
 * is always the flow that has been quiet longest. One list per timeout class lets expiry stop at the
 * first flow that has not timed out.
 */
export class FlowList<T extends ListNode<T>> {
  head: T | null = null;
  tail: T | null = null;
  size = 0;

  append(node: T): void {
    node.prev = this.tail;
    node.next = null;
    if (this.tail === null) this.head = node;
    else this.tail.next = node;
    this.tail = node;
    this.size++;
  }

  remove(node: T): void {
    if (node.prev === null) this.head = node.next;
    else node.prev.next = node.next;
    if (node.next === null) this.tail = node.prev;
    else node.next.prev = node.prev;
    node.prev = null;
    node.next = null;
    this.size--;
  }

  moveToTail(node: T): void {
    if (this.tail === node) return;
    this.remove(node);
    this.append(node);
  }
}
