/**
 * A set that also draws a uniformly random member in O(1): members live in a dense array, each one's
 * slot in a map, and removal moves the last member into the hole. What lets the scheduler sample two
 * endpoints of a thousand without walking them.
 */
export class EndpointSet<T> {
  private readonly members: T[] = [];
  private readonly slots = new Map<T, number>();

  get size(): number {
    return this.members.length;
  }

  has(member: T): boolean {
    return this.slots.has(member);
  }

  add(member: T): void {
    if (this.slots.has(member)) return;
    this.slots.set(member, this.members.length);
    this.members.push(member);
  }

  delete(member: T): void {
    const slot = this.slots.get(member);
    if (slot === undefined) return;
    const last = this.members.pop() as T;
    this.slots.delete(member);
    if (last !== member) {
      this.members[slot] = last;
      this.slots.set(last, slot);
    }
  }

  /** The member at a slot in [0, size): slots move as members leave, so only for sampling and walking. */
  at(slot: number): T {
    return this.members[slot] as T;
  }

  [Symbol.iterator](): Iterator<T> {
    return this.members[Symbol.iterator]();
  }
}
