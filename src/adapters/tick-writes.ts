/**
 * Writes of one turn of the event loop, out in one go: a busy tick writes a log line per message
 * (and, in the terminal's --json pipe, a reply per line), and a system call each would cost more
 * than the lines. The stream is corked until the next turn; anything still held is written when
 * the process exits.
 */

type Corkable = NodeJS.WritableStream & { cork?(): void; uncork?(): void }

const corked = new Set<Corkable>()
let exitHooked = false

/** Holds `stream`'s writes until the event loop's next turn (a stream that cannot be corked is left as it is). */
export function corkForTick(stream: Corkable): void {
  if (corked.has(stream) || !stream.cork || !stream.uncork) return
  if (!exitHooked) {
    exitHooked = true
    process.once('exit', () => {
      for (const held of [...corked]) uncork(held)
    })
  }
  corked.add(stream)
  stream.cork()
  setImmediate(() => uncork(stream))
}

function uncork(stream: Corkable): void {
  if (corked.delete(stream)) stream.uncork!()
}
