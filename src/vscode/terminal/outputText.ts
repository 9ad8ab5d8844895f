// A command's output as text to keep: terminal control sequences removed, line ends made `\n`, and
// only the tail kept while it streams in. No `vscode` import: tested in plain Node
// (test/unit/terminalOutput.test.ts).
import { OUTPUT_TAIL_BYTES } from '../../core/store/commands';

// CSI (colours, cursor moves), OSC (titles, shell-integration marks; ended by BEL or ST), and the
// other two-character escapes.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

export function plainText(raw: string): string {
  return raw.replace(ESCAPES, '').replace(/\r+\n/g, '\n').replace(/\r/g, '\n');
}

/** Collects a stream of output chunks, keeping about the last OUTPUT_TAIL_BYTES characters. */
export class OutputTail {
  private text = '';
  private dropped = false;

  push(chunk: string): void {
    this.text += chunk;
    // Raw output is trimmed at twice the bound (escapes are removed later); at most 4 bytes a character.
    if (this.text.length > 2 * OUTPUT_TAIL_BYTES) {
      this.text = this.text.slice(-OUTPUT_TAIL_BYTES);
      this.dropped = true;
    }
  }

  /** The output so far as plain text; an earlier part dropped is marked at the top. */
  value(): string {
    const text = plainText(this.text);
    return this.dropped ? `[… earlier output not kept]\n${text.slice(-OUTPUT_TAIL_BYTES)}` : text;
  }
}
