/**
 * Set-up tasks with teardowns that run in reverse order, whatever happened: a port, a socket or
 * a child process opened by a run is always released, also after an error or Ctrl-C.
 */
export class Teardowns {
  private readonly stack: { name: string; run: () => Promise<void> }[] = [];
  readonly failures: { name: string; error: unknown }[] = [];

  add(name: string, run: () => Promise<void>): void {
    this.stack.push({ name, run });
  }

  async runAll(timeoutMs = 10_000): Promise<void> {
    while (this.stack.length > 0) {
      const { name, run } = this.stack.pop()!;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          run(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`${name} did not finish within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } catch (error) {
        this.failures.push({ name, error });
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
