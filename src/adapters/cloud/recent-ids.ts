/**
 * The ids seen lately, at most `capacity` of them (the oldest forgotten first): enough to drop what
 * Meta delivers again (it retries a webhook it did not see answered, for up to 7 days, mostly
 * within minutes) without memory growing with every message the number ever had.
 */
export class RecentIds {
  private readonly ids = new Set<string>()

  constructor(private readonly capacity = 10_000) {}

  /** True the first time an id is seen (while remembered); false for a repeat. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false
    this.ids.add(id)
    // A Set iterates in insertion order: the first is the oldest.
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value!)
    return true
  }

  has(id: string): boolean {
    return this.ids.has(id)
  }
}
