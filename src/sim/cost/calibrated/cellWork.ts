import { kvHeadsPerGpu, recurrentStateBytesPerLayer } from '../../model/derived.js';
import { DTYPES, dtypeBytes, type Dtype } from '../../model/dtype.js';
import type { LayerKind, LayerSpec, ModelSpec } from '../../model/ModelSpec.js';
import { layerGemms } from '../layerGemms.js';
import type { ModelShape } from './ModelShape.js';

/** One kernel's work: bytes moved through device memory and floating-point operations. */
export interface KernelWork {
  bytes: number;
  flops: number;
}

/**
 * What one cell of a profile table runs, per distinct layer shape the table stands for: `count` layers
 * of that shape, each running `kernels` one after the other. A table cell's time is per layer, so
 * where a model has several shapes of one kind the rule averages over them by count.
 */
export type CellWork = (a: number, b: number) => { count: number; kernels: KernelWork[] }[];

/** Activations are bf16, as the calibration runs them (and as the roofline assumes by default). */
const ACTIVATION_BYTES = 2;

/**
 * The work of a cell of `table` (e.g. `layerGemm.attention`, `decodeAttention.paged.16`), computed
 * from the profile's model shape: the same byte and FLOP counts the roofline cost model charges
 * (src/sim/cost/RooflineCostModel.ts), per GPU at the shape's TP.
 * - GEMMs over `a` tokens: weights read once plus activations in and out; 2 FLOPs per weight per token.
 * - LM head over `a` rows: likewise for the hidden x vocab matrix.
 * - decode attention, batch `a` at `b` tokens of KV each: K and V read, Q in and O out; 4*Hq*D per key.
 * - prefill attention, `a` new tokens over `b` cached: K and V of all `a + b` read, Q/O traffic;
 *   4*Hq*D per causal query-key pair.
 * - mLSTM step (recurrentStep) over a batch of `a` (one token each), and chunkwise prefill
 *   (recurrentPrefill) of one request of `a` tokens: the state read and written once per request, plus
 *   q/k/v/gates in and h out per token; 4*H*dqk*dv FLOPs per token.
 * - sLSTM step (slstmStep) over a batch of `a`: its recurrent weights R read once, state and gates/h
 *   per request; sLSTM prefill (slstmPrefill) of `a` tokens: `a` such steps of one request in order;
 *   8*H*dh^2 FLOPs per token.
 * Returns a one-line reason instead when the shape cannot say (no layer of the kind the table times,
 * an unknown element type).
 */
export function cellWork(table: string, shape: ModelShape): CellWork | string {
  const [part] = table.split('.');
  if (!DTYPES.includes(shape.weightDtype as Dtype)) return `the shape's weightDtype "${shape.weightDtype}" is not one of ${DTYPES.join(', ')}`;
  const wb = dtypeBytes(shape.weightDtype as Dtype);
  const ab = ACTIVATION_BYTES;
  const tp = shape.tp;
  const groupsOf = (kinds: LayerKind[]) => shape.layers.filter((g) => kinds.includes(g.layer.kind));
  const none = (kinds: string) => `the shape has no ${kinds} layer`;
  switch (part) {
    case 'layerGemm': {
      const kind = table.split('.')[1] as LayerKind;
      const groups = groupsOf([kind]);
      if (groups.length === 0) return none(kind);
      const model = shapeAsModel(shape);
      const perGroup = groups.map((g) => ({ count: g.count, gemms: layerGemms(model, g.layer).map((m) => ({ weights: (m.inFeatures * m.outFeatures) / tp, io: m.inFeatures + m.outFeatures })) }));
      return (tokens) => perGroup.map((g) => ({ count: g.count, kernels: g.gemms.map((m) => ({ bytes: m.weights * wb + m.io * ab * tokens, flops: 2 * m.weights * tokens })) }));
    }
    case 'lmHead': {
      const head = (shape.hiddenSize * shape.vocabSize) / tp;
      const io = shape.hiddenSize + shape.vocabSize;
      return (rows) => [{ count: 1, kernels: [{ bytes: head * wb + io * ab * rows, flops: 2 * head * rows }] }];
    }
    case 'decodeAttention':
    case 'prefillAttention': {
      const groups = groupsOf(['attention']);
      if (groups.length === 0) return none('attention');
      const heads: { count: number; qd: number; kvPerToken: number }[] = [];
      for (const g of groups) {
        const l = g.layer as Extract<LayerSpec, { kind: 'attention' }>;
        if (!DTYPES.includes(l.dtype)) return `the shape's attention dtype "${String(l.dtype)}" is not one of ${DTYPES.join(', ')}`;
        heads.push({ count: g.count, qd: (l.heads / tp) * l.headDim, kvPerToken: 2 * kvHeadsPerGpu(l, tp) * l.headDim * dtypeBytes(l.dtype) });
      }
      if (part === 'decodeAttention') {
        return (batch, context) => heads.map((h) => ({ count: h.count, kernels: [{ bytes: batch * context * h.kvPerToken + batch * 2 * h.qd * ab, flops: 4 * h.qd * batch * context }] }));
      }
      return (chunk, context) => heads.map((h) => ({ count: h.count, kernels: [{ bytes: (context + chunk) * h.kvPerToken + chunk * 2 * h.qd * ab, flops: 4 * h.qd * chunk * (context + chunk / 2) }] }));
    }
    case 'recurrentStep':
    case 'recurrentPrefill': {
      // mLSTM's tables (sLSTM layers have slstmStep/slstmPrefill).
      const groups = groupsOf(['mlstm']);
      if (groups.length === 0) return none('mLSTM');
      const per: { count: number; flopsPerToken: number; stateBytes: number; ioBytesPerToken: number }[] = [];
      for (const g of groups) {
        const l = g.layer as Extract<LayerSpec, { kind: 'mlstm' }>;
        if (!DTYPES.includes(l.stateDtype)) return `the shape's state dtype "${String(l.stateDtype)}" is not one of ${DTYPES.join(', ')}`;
        const h = l.heads / tp;
        per.push({ count: g.count, flopsPerToken: 4 * h * l.dqk * l.dv, stateBytes: recurrentStateBytesPerLayer(l, tp), ioBytesPerToken: h * (2 * l.dqk + 2 * l.dv + 2) * ab });
      }
      // A step runs one token of each of `a` requests; a (chunkwise) prefill runs `a` tokens of one
      // request, reading and writing its state once.
      const requests = (a: number) => (part === 'recurrentStep' ? a : 1);
      return (a) => per.map((r) => ({ count: r.count, kernels: [{ bytes: 2 * r.stateBytes * requests(a) + r.ioBytesPerToken * a, flops: r.flopsPerToken * a }] }));
    }
    case 'slstmStep':
    case 'slstmPrefill': {
      const groups = groupsOf(['slstm']);
      if (groups.length === 0) return none('sLSTM');
      const per: { count: number; flopsPerToken: number; stateBytes: number; ioBytesPerToken: number; rBytes: number }[] = [];
      for (const g of groups) {
        const l = g.layer as Extract<LayerSpec, { kind: 'slstm' }>;
        if (!DTYPES.includes(l.stateDtype)) return `the shape's state dtype "${String(l.stateDtype)}" is not one of ${DTYPES.join(', ')}`;
        const h = l.heads / tp;
        // Block-diagonal recurrent weights R (4 gates x H x dh x dh), read by every sequential step.
        per.push({ count: g.count, flopsPerToken: 8 * h * l.headDim * l.headDim, stateBytes: recurrentStateBytesPerLayer(l, tp), ioBytesPerToken: h * 5 * l.headDim * ab, rBytes: 4 * h * l.headDim * l.headDim * wb });
      }
      // A step: one token of each of `a` requests, R read once. A prefill: `a` steps of one request in
      // order (no parallel form over time), each reading R and the state and writing the state.
      if (part === 'slstmStep') return (a) => per.map((r) => ({ count: r.count, kernels: [{ bytes: r.rBytes + (2 * r.stateBytes + r.ioBytesPerToken) * a, flops: r.flopsPerToken * a }] }));
      return (a) => per.map((r) => ({ count: r.count, kernels: [{ bytes: (r.rBytes + 2 * r.stateBytes + r.ioBytesPerToken) * a, flops: r.flopsPerToken * a }] }));
    }
    default:
      return `no byte/FLOP model for table ${table}`;
  }
}

/** The dense sizes of a shape as layerGemms reads them (it needs no more of a ModelSpec). */
function shapeAsModel(shape: ModelShape): ModelSpec {
  return {
    name: '(profile shape)',
    hiddenSize: shape.hiddenSize,
    ffnSize: shape.ffnSize,
    vocabSize: shape.vocabSize,
    layers: shape.layers.flatMap((g) => Array.from({ length: g.count }, () => g.layer)),
    weightDtype: shape.weightDtype as Dtype,
    tiedEmbeddings: false,
    maxContextTokens: 0,
  };
}
