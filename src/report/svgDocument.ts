import { parseHTML } from 'linkedom';

/**
 * A detached DOM document for D3 to draw into in Node. linkedom, not a browser: charts are rendered
 * once, at report time, so the HTML needs no script and opens offline.
 */
export function svgDocument(): Document {
  return parseHTML('<!doctype html><html><head></head><body></body></html>').document as unknown as Document;
}
