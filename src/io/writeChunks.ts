import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Bytes gathered before one write: big enough to keep syscalls few, small enough to stay out of the way. */
const BATCH_CHARS = 1 << 20;

/**
 * Writes text chunks to a stream with backpressure (waits for 'drain'), batching small chunks. Never
 * holds more than about one batch in memory, however large the whole text is.
 */
export async function writeChunks(out: Writable, chunks: Iterable<string> | AsyncIterable<string>): Promise<void> {
  let buffer = '';
  const flush = async () => {
    if (buffer.length === 0) return;
    const text = buffer;
    buffer = '';
    if (!out.write(text)) await drainOrError(out);
  };
  for await (const chunk of chunks) {
    buffer += chunk;
    if (buffer.length >= BATCH_CHARS) await flush();
  }
  await flush();
}

async function drainOrError(out: Writable): Promise<void> {
  // A stream that already failed emits neither 'drain' nor 'error' again.
  if (out.errored) throw out.errored;
  if (out.destroyed) throw new Error('the output stream was closed');
  // once() rejects when 'error' fires first, so a full disk ends the loop instead of waiting forever.
  await once(out, 'drain');
}
