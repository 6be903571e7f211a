// A binary max-heap on a numeric priority: the frontier of a trace, largest |contribution| first.
export class PriorityQueue<T> {
  private readonly items: { item: T; priority: number }[] = [];

  get size(): number {
    return this.items.length;
  }

  push(item: T, priority: number): void {
    const items = this.items;
    items.push({ item, priority });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.priority >= items[i]!.priority) break;
      [items[parent], items[i]] = [items[i]!, items[parent]!];
      i = parent;
    }
  }

  peek(): { item: T; priority: number } | undefined {
    return this.items[0];
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top?.item;
    items[0] = last;
    for (let i = 0; ; ) {
      const [left, right] = [2 * i + 1, 2 * i + 2];
      let largest = i;
      if (left < items.length && items[left]!.priority > items[largest]!.priority) largest = left;
      if (right < items.length && items[right]!.priority > items[largest]!.priority) largest = right;
      if (largest === i) break;
      [items[largest], items[i]] = [items[i]!, items[largest]!];
      i = largest;
    }
    return top.item;
  }
}
