import { UserError } from '../../errors.js';
import { createArrivalSampler } from './ArrivalSpec.js';
import { createLengthSampler } from './LengthSpec.js';
import { resolvePrefixStructure, type PrefixStructureSpec, type ResolvedPrefixStructure } from './PrefixStructureSpec.js';
import type { RequestSpec } from './RequestSpec.js';
import { createRng, exponential, type Rng } from './rng.js';
import type { SyntheticTraceSpec } from './syntheticPresets.js';
import type { TraceColumnLoader } from './TraceColumnLoader.js';
import { TRACE_CHUNK_SIZE } from './TraceSource.js';
import { TurnQueue } from './TurnQueue.js';

/** One conversation between its first and last turn. */
interface Conversation {
  /** Prompt and output tokens of each kept turn; prompts grow turn by turn. */
  promptTokens: number[];
  outputTokens: number[];
  /** Seconds from each turn's arrival to the next's (entry 0 unused). */
  gapS: number[];
  /** Block ids of the system prompt's whole blocks (empty without one). */
  systemIds: readonly number[];
  /** Id of the conversation's own block j is baseId + j. */
  baseId: number;
  next: number;
  timeS: number;
}

/**
 * Generates a synthetic trace with prefix structure (see PrefixStructureSpec) in arrival order, ids
 * -1 (numbered later). Block ids form a hash chain by construction, an id allocated fresh for every
 * distinct (parent id, block content):
 * - a block wholly inside system prompt p is content of p alone: every conversation using p gets
 *   the same ids for it (allocated when p is first used);
 * - a whole block holding any conversation tokens is content of that conversation at that position:
 *   id = the conversation's base + block index, the same in every turn (earlier turns never change);
 * - the partial last block of a prompt is content no other request has (the next turn fills it
 *   further): a fresh id each time.
 * Ids are counters, not hashes, so they never collide. Every random quantity has its own seeded
 * stream and a conversation draws all of its turns when it starts, so the same spec gives the same
 * trace, byte for byte.
 */
export async function* prefixRows(
  spec: SyntheticTraceSpec & { prefix: PrefixStructureSpec },
  fallbackRatePerS: number | undefined,
  loader: TraceColumnLoader,
): AsyncGenerator<RequestSpec[]> {
  const structure = resolvePrefixStructure(spec.prefix);
  const { seed } = spec;
  const replay = spec.arrival.kind === 'trace' ? await loader.arrivals(spec.arrival.source) : undefined;
  const nextStart = createArrivalSampler(spec.arrival, seed, fallbackRatePerS, replay);
  const userFrom = spec.prompt.kind === 'trace' ? await loader.lengths(spec.prompt.source, 'prompt') : undefined;
  const outputFrom = spec.output.kind === 'trace' ? await loader.lengths(spec.output.source, 'output') : undefined;
  const nextUser = createLengthSampler(spec.prompt, seed, 'prompt', userFrom);
  const nextOutput = createLengthSampler(spec.output, seed, 'output', outputFrom);
  const nextTurns = createLengthSampler(structure.turns, seed, 'turns');
  const thinkRng = createRng(seed, 'think');
  const systems = new SystemPrompts(structure, seed);
  const ids = new IdCounter();
  const active = new Map<number, Conversation>();
  const queue = new TurnQueue();
  let started = 0;
  let startS = nextStart();
  let emitted = 0;
  let chunk: RequestSpec[] = [];
  while (emitted < spec.count) {
    // A conversation starting at the same time as a pending turn comes after it (higher index).
    if (!Number.isNaN(startS) && startS < queue.peekTimeS()) {
      const conversation = startConversation(structure, systems, ids, nextTurns, nextUser, nextOutput, thinkRng, startS);
      active.set(started, conversation);
      queue.push(startS, started);
      started++;
      startS = nextStart();
      continue;
    }
    if (queue.size === 0) throw arrivalsExhausted(spec, emitted);
    const index = queue.peekConversation();
    queue.pop();
    const c = active.get(index) as Conversation;
    chunk.push(turnRequest(c, structure.blockTokens, ids));
    emitted++;
    c.next++;
    if (c.next < c.promptTokens.length) {
      c.timeS += c.gapS[c.next];
      queue.push(c.timeS, index);
    } else {
      active.delete(index);
    }
    if (chunk.length >= TRACE_CHUNK_SIZE) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

function startConversation(
  s: ResolvedPrefixStructure,
  systems: SystemPrompts,
  ids: IdCounter,
  nextTurns: () => number,
  nextUser: () => number,
  nextOutput: () => number,
  thinkRng: Rng,
  timeS: number,
): Conversation {
  const system = systems.choose(ids);
  const turns = nextTurns();
  const promptTokens: number[] = [];
  const outputTokens: number[] = [];
  const gapS: number[] = [];
  let context = system.tokens;
  // All turns are drawn, kept or not, so the context limit changes no other draw.
  for (let k = 0; k < turns; k++) {
    const user = nextUser();
    const output = nextOutput();
    const gap = k === 0 ? 0 : s.thinkTimeS * exponential(thinkRng);
    let prompt = context + user;
    let out = output;
    context = prompt + output;
    if (prompt + out > s.maxContextTokens) {
      if (k > 0) continue; // the conversation ended before this turn
      // A first turn over the limit alone: clipped as TraceOptions.maxContextTokens clips (output first).
      if (prompt >= s.maxContextTokens) prompt = s.maxContextTokens - 1;
      out = s.maxContextTokens - prompt;
      context = Infinity; // nothing after a clipped first turn fits
    }
    promptTokens.push(prompt);
    outputTokens.push(out);
    gapS.push(gap);
  }
  const ownBlocks = Math.floor(promptTokens[promptTokens.length - 1] / s.blockTokens);
  return { promptTokens, outputTokens, gapS, systemIds: system.ids, baseId: ids.take(ownBlocks), next: 0, timeS };
}

/** The request of a conversation's next turn, with its chained block ids. */
function turnRequest(c: Conversation, blockTokens: number, ids: IdCounter): RequestSpec {
  const promptTokens = c.promptTokens[c.next];
  const whole = Math.floor(promptTokens / blockTokens);
  const blockIds: number[] = new Array(whole + (promptTokens % blockTokens === 0 ? 0 : 1));
  const shared = Math.min(whole, c.systemIds.length);
  for (let j = 0; j < shared; j++) blockIds[j] = c.systemIds[j];
  for (let j = shared; j < whole; j++) blockIds[j] = c.baseId + j;
  if (blockIds.length > whole) blockIds[whole] = ids.take(1);
  return { id: -1, arrivalS: c.timeS, promptTokens, outputTokens: c.outputTokens[c.next], prefixBlockIds: blockIds, prefixBlockTokens: blockTokens };
}

/** Hands out fresh block ids, 0, 1, 2, ... */
class IdCounter {
  private nextId = 0;
  /** Reserves `n` consecutive ids and returns the first. */
  take(n: number): number {
    const first = this.nextId;
    this.nextId += n;
    if (this.nextId > Number.MAX_SAFE_INTEGER) throw new UserError('TRACE_TOO_LARGE', 'synthetic trace: more than 2^53 block ids; generate fewer requests');
    return first;
  }
}

/** The system prompts: lengths drawn up front, block ids allocated on first use, Zipf popularity. */
class SystemPrompts {
  private readonly tokens: Int32Array;
  private readonly ids: (number[] | undefined)[];
  private readonly cdf: Float64Array;
  private readonly rng: Rng;
  private readonly blockTokens: number;

  constructor(s: ResolvedPrefixStructure, seed: number) {
    const nextLength = createLengthSampler(s.systemPromptTokens, seed, 'system-prompt');
    this.tokens = Int32Array.from({ length: s.systemPrompts }, nextLength);
    this.ids = new Array(s.systemPrompts);
    this.cdf = new Float64Array(s.systemPrompts);
    let sum = 0;
    for (let k = 0; k < s.systemPrompts; k++) this.cdf[k] = sum += Math.pow(k + 1, -s.systemPromptSkew);
    this.rng = createRng(seed, 'system-choice');
    this.blockTokens = s.blockTokens;
  }

  /** Picks a conversation's system prompt (none when there are none). */
  choose(counter: IdCounter): { tokens: number; ids: readonly number[] } {
    const n = this.cdf.length;
    if (n === 0) return { tokens: 0, ids: [] };
    const u = this.rng() * this.cdf[n - 1];
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    let ids = this.ids[lo];
    if (ids === undefined) {
      const whole = Math.floor(this.tokens[lo] / this.blockTokens);
      const first = counter.take(whole);
      ids = Array.from({ length: whole }, (_, j) => first + j);
      this.ids[lo] = ids;
    }
    return { tokens: this.tokens[lo], ids };
  }
}

function arrivalsExhausted(spec: SyntheticTraceSpec, have: number): UserError {
  const source = spec.arrival.kind === 'trace' ? spec.arrival.source : spec.arrival.kind;
  return new UserError('TRACE_ARRIVALS_EXHAUSTED', `Arrival trace ${source} ran out of conversation starts after ${have} requests but ${spec.count} are needed: generate fewer (--count) or use a longer trace`);
}
