// A stand-in for a type=string njs dict as the reqstat store uses it. The
// zone is "full" once it holds `maxEntries` entries: freeSpace() then
// reports fewer free pages than the store's reserve for new keys, but
// enough for recycling in place (zone-store.ts).
export class FakeStringDict {
  readonly map = new Map<string, string>();
  capacity = 1048576;
  type = 'string';
  constructor(public maxEntries = Infinity) {}
  get(k: string) { return this.map.get(k); }
  has(k: string) { return this.map.has(k); }
  set(k: string, v: string) {
    if (!this.map.has(k) && this.map.size >= this.maxEntries + 8) throw new Error('no memory (fake)');
    this.map.set(k, v);
    return this;
  }
  add(k: string, v: string) {
    if (this.map.has(k)) return false;
    this.set(k, v);
    return true;
  }
  delete(k: string) { return this.map.delete(k); }
  items(max?: number) { return [...this.map.entries()].slice(0, max); }
  freeSpace() { return (this.map.size >= this.maxEntries ? 3 : 1000) * 4096; }
}
