/**
 * `kvsim replay | head` closes stdout early. Node then raises EPIPE as an unhandled 'error' event (a
 * 24-line stack). A closed reader is the reader's choice, not a failure: further output is dropped and
 * kvsim finishes its work (files given with --json etc. are still written), exiting as it would have.
 */
export function quietPipes(streams: NodeJS.WritableStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams as (NodeJS.WritableStream & { on: NodeJS.WriteStream['on'] })[]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
        // Writes after this are discarded instead of throwing or emitting again.
        stream.write = (() => true) as typeof stream.write;
        return;
      }
      throw err;
    });
  }
}
