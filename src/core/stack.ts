import { existsSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

// Stack traces of dist/ read back to src/. The bundles carry source maps, but ncc's runtime hook
// (source-map-register) is left out of them: it maps every err.stack Node reads, and the bundled
// HTTP client destroys a stream with an error on every response, so the hook parsed the 3.5 MB
// map in every run. Here the map is read only when a stack is about to be shown: an unexpected
// error with step debug logging on.

/** `file:///…/dist/index.js:12:34` or `/…/dist/index.js:12:34` in a stack frame. */
const FRAME_LOCATION = /((?:file:\/\/)?\/[^\s()]+?\.[cm]?js):(\d+):(\d+)/g;

const maps = new Map<string, SourceMap | undefined>();

function mapFor(file: string): SourceMap | undefined {
  if (!maps.has(file)) {
    let map: SourceMap | undefined;
    try {
      const mapFile = `${file}.map`;
      if (existsSync(mapFile)) map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as SourceMapPayload);
    } catch {
      // A stack with bundle positions is still a stack; a broken map must not hide the error.
    }
    maps.set(file, map);
  }
  return maps.get(file);
}

/** `stack` with each position in a file that has a `.map` beside it replaced by its source position. */
export function sourceMappedStack(stack: string): string {
  return stack.replace(FRAME_LOCATION, (whole: string, location: string, line: string, column: string) => {
    const file = location.startsWith('file://') ? fileURLToPath(location) : location;
    const map = mapFor(file);
    if (!map) return whole;
    // SourceMap positions are zero-based; stack positions one-based.
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1);
    if (!('originalSource' in entry) || !entry.originalSource) return whole;
    const source = entry.originalSource.startsWith('file://')
      ? fileURLToPath(entry.originalSource)
      : path.resolve(path.dirname(file), entry.originalSource);
    return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

/** The error's stack, mapped to the sources, for a debug line; its message when it has none. */
export function errorStack(err: unknown): string {
  return err instanceof Error && err.stack ? sourceMappedStack(err.stack) : String(err);
}
