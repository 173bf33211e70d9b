import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * A real HTTP server on 127.0.0.1 serving a directory of traces, with routes that misbehave:
 * /ok/FILE serves it; /corrupt/FILE flips one byte; /cut/FILE announces the full length, sends half
 * and destroys the socket; /cut-chunked/FILE does the same without a length; anything else is 404.
 */
export async function startTraceServer(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const [, mode, file] = (req.url ?? '').split('/');
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(dir, decodeURIComponent(file ?? '')));
    } catch {
      res.writeHead(404).end('not found');
      return;
    }
    switch (mode) {
      case 'ok':
        res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
        return;
      case 'corrupt': {
        const copy = Buffer.from(bytes);
        copy[copy.length >> 1] ^= 0x01;
        res.writeHead(200, { 'content-length': copy.length }).end(copy);
        return;
      }
      case 'cut':
      case 'cut-chunked':
        res.writeHead(200, mode === 'cut' ? { 'content-length': bytes.length } : {});
        res.write(bytes.subarray(0, bytes.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
        return;
      default:
        res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
