/**
 * The listener half every Link implementation shares (the Link contract, protocol/src/ports.ts): data goes to
 * every onData listener in registration order; the close is reported once, with the first code, on a later
 * turn of the event loop (so a caller of close() finishes before its listeners run), and to a listener that
 * registers after the close as well.
 */
export class LinkEvents {
  private readonly dataCbs: ((chunk: Uint8Array) => void)[] = [];
  private readonly closeCbs: ((code: number) => void)[] = [];
  /** The reported close code, or -1 while the close is not reported. */
  code = -1;

  onData(cb: (chunk: Uint8Array) => void): void {
    this.dataCbs.push(cb);
  }

  onClose(cb: (code: number) => void): void {
    if (this.code >= 0) {
      const code = this.code;
      setImmediate(() => cb(code));
      return;
    }
    this.closeCbs.push(cb);
  }

  data(chunk: Uint8Array): void {
    for (const cb of this.dataCbs) cb(chunk);
  }

  /** Reports the close with `code`; later calls change nothing. */
  close(code: number): void {
    if (this.code >= 0) return;
    this.code = code;
    const cbs = this.closeCbs.splice(0);
    setImmediate(() => {
      for (const cb of cbs) cb(code);
    });
  }
}
