export const MASK = '***';

/** Ranges of a text to mask, collected in any order and overlapping, applied in one pass. */
export class Spans {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  add(start: number, end: number): void {
    if (end <= start) return;
    this.starts.push(start);
    this.ends.push(end);
  }

  get size(): number {
    return this.starts.length;
  }

  /** The text with every range replaced by one mask; overlapping or touching ranges become one mask. */
  apply(text: string): string {
    if (this.starts.length === 0) return text;
    const order = this.starts.map((_, i) => i).sort((a, b) => this.starts[a]! - this.starts[b]!);
    const out: string[] = [];
    let copied = 0;
    let open = -1;
    let close = -1;
    for (const i of order) {
      const s = this.starts[i]!;
      const e = this.ends[i]!;
      if (open >= 0 && s <= close) {
        close = Math.max(close, e);
        continue;
      }
      if (open >= 0) {
        out.push(text.slice(copied, open), MASK);
        copied = close;
      }
      open = s;
      close = e;
    }
    out.push(text.slice(copied, open), MASK, text.slice(close));
    return out.join('');
  }
}
