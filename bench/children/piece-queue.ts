/**
 * The `for await` side of the in-process floors (library-floor.js, floor-rtmp.js
 * `iterate`): pieces handed out by a socket's read callback, taken by an async generator
 * as a library's user takes a stream's pieces — a queue, a wake-up, an end.
 */

/** A queue of pieces and the generator that yields them until `end`. */
export interface PieceQueue {
  /** Hands `piece` to the generator. */
  handOut(piece: Buffer): void;
  /** No more pieces: the generator returns once it has yielded the queued ones. */
  end(): void;
  /** The pieces, in order. */
  pieces(): AsyncGenerator<Buffer, void, undefined>;
}

/** A new queue. */
export function pieceQueue(): PieceQueue {
  const queue: (Buffer | undefined)[] = [];
  let head = 0;
  let done = false;
  let wake: (() => void) | undefined;
  return {
    handOut(piece) {
      queue.push(piece);
      wake?.();
    },
    end() {
      done = true;
      wake?.();
    },
    async *pieces() {
      for (;;) {
        if (head < queue.length) {
          const next = queue[head]!;
          queue[head++] = undefined;
          if (head === queue.length) {
            queue.length = 0;
            head = 0;
          }
          yield next;
        } else if (done) return;
        else
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
      }
    },
  };
}
