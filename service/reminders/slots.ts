// A counting semaphore: at most `size` holders at once, the others wait in arrival order.
export class Slots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async take(): Promise<void> {
    if (this.used < this.size) {
      this.used++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Hands the slot to the next waiter, if any. */
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.used--;
  }
}
