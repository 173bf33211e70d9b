#!/usr/bin/env python3
"""Float64 model of the three stages of mlstmPrefillTfla.cu against the mLSTM step recurrence.

Checks the algebra only (no rounding to bf16): per-chunk contributions (kernel 1), the inter-chunk
scan in log space (kernel 2) and the outputs from the entering state plus the causal intra-chunk term
in 64-row query tiles over 64-row key tiles (kernel 3). Run: python3 kernels/xlstm/tflaChunkModel.py
"""
import numpy as np

EPS = 1e-6


def soft_cap(x, cap):
    return cap * np.tanh(x / cap) if cap > 0 else x


def log_sigmoid(x):
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def step_reference(C, n, m, q, k, v, ipre, fpre, cap):
    """The step recurrence token by token (src/gpu/xlstmReference.ts)."""
    C, n = C.copy(), n.copy()
    S, dqk = q.shape
    scale = 1 / np.sqrt(dqk)
    h = np.zeros((S, v.shape[1]))
    for t in range(S):
        ip = soft_cap(ipre[t], cap)
        lf = log_sigmoid(soft_cap(fpre[t], cap))
        m_new = max(lf + m, ip)
        fa, ia = np.exp(lf + m - m_new), np.exp(ip - m_new)
        C = fa * C + ia * np.outer(k[t], v[t])
        n = fa * n + ia * k[t]
        m = m_new
        qs = q[t] * scale
        h[t] = (qs @ C) / (max(abs(qs @ n), np.exp(-m)) + EPS)
    return h, C, n, m


def tfla(C0, n0, m0, q, k, v, ipre, fpre, cap, L=256, T=64):
    S, dqk = q.shape
    scale = 1 / np.sqrt(dqk)
    nC = (S + L - 1) // L
    ig = np.full(nC * L, -np.inf)
    lf = np.zeros(nC * L)
    ig[:S] = soft_cap(ipre, cap)
    lf[:S] = log_sigmoid(soft_cap(fpre, cap))
    pad = lambda x: np.concatenate([x, np.zeros((nC * L - S, x.shape[1]))])
    q, k, v = pad(q), pad(k), pad(v)
    # Kernel 1: per chunk, its own contribution in its own stabilizer.
    Cloc, nloc, G, mloc = [], [], [], []
    for c in range(nC):
        sl = slice(c * L, (c + 1) * L)
        b = np.cumsum(lf[sl])
        x = b[-1] - b + ig[sl]
        ml = x.max()
        w = np.exp(x - ml)
        Cloc.append((k[sl] * w[:, None]).T @ v[sl])
        nloc.append(w @ k[sl])
        G.append(b[-1])
        mloc.append(ml)
    # Kernel 2: the state entering each chunk, then the final state.
    Cprev, nprev, mprev = [], [], []
    C, n, m = C0.copy(), n0.copy(), m0
    for c in range(nC):
        Cprev.append(C.copy())
        nprev.append(n.copy())
        mprev.append(m)
        mn = max(G[c] + m, mloc[c])
        C = np.exp(G[c] + m - mn) * C + np.exp(mloc[c] - mn) * Cloc[c]
        n = np.exp(G[c] + m - mn) * n + np.exp(mloc[c] - mn) * nloc[c]
        m = mn
    # Kernel 3: outputs, a 64-row query tile at a time over the key tiles up to the diagonal.
    h = np.zeros((nC * L, v.shape[1]))
    for c in range(nC):
        sl = slice(c * L, (c + 1) * L)
        b = np.cumsum(lf[sl])
        i = ig[sl]
        qc, kc, vc = q[sl], k[sl], v[sl]
        for qt in range(L // T):
            rows = np.arange(qt * T, qt * T + T)
            ms = np.array([max(b[s] + mprev[c], max(b[s] - b[: s + 1] + i[: s + 1])) for s in rows])
            row_scale = np.exp(b[rows] + mprev[c] - ms) * scale
            acc = (qc[rows] @ Cprev[c]) * row_scale[:, None]
            den = row_scale * (qc[rows] @ nprev[c])
            for kt in range(qt + 1):
                cols = np.arange(kt * T, kt * T + T)
                Sm = qc[rows] @ kc[cols].T
                D = b[rows][:, None] - b[cols][None, :] + i[cols][None, :]
                D[cols[None, :] > rows[:, None]] = -np.inf
                P = np.exp(D - ms[:, None]) * Sm * scale
                den += P.sum(1)
                acc += P @ vc[cols]
            h[c * L + rows] = acc / (np.maximum(np.abs(den), np.exp(-ms)) + EPS)[:, None]
    return h[:S], C, n, m


def main():
    rng = np.random.default_rng(7)
    worst = 0.0
    for S, dqk, dv in [(1, 16, 16), (100, 32, 48), (256, 16, 32), (257, 32, 16), (600, 48, 32), (1030, 16, 16)]:
        C0 = 0.5 * rng.standard_normal((dqk, dv))
        n0 = rng.standard_normal(dqk)
        m0 = 6 * rng.random() - 3
        q, k, v = (rng.standard_normal((S, d)) for d in (dqk, dqk, dv))

        def gate(mean, sd):
            g = mean + sd * rng.standard_normal(S)
            far = rng.random(S) < 0.1
            g[far] = np.sign(rng.random(far.sum()) - 0.5) * (20 + 20 * rng.random(far.sum()))
            return g

        ipre, fpre = gate(0, 4), gate(3, 2)
        ref = step_reference(C0, n0, m0, q, k, v, ipre, fpre, 15)
        got = tfla(C0, n0, m0, q, k, v, ipre, fpre, 15)
        errs = [np.linalg.norm(g - r) / max(np.linalg.norm(r), 1e-300) for g, r in zip(got[:3], ref[:3])]
        errs.append(abs(got[3] - ref[3]))
        worst = max(worst, *errs)
        print(f"S={S:5d} dqk={dqk} dv={dv}: rel err h {errs[0]:.1e} C {errs[1]:.1e} n {errs[2]:.1e}, |dm| {errs[3]:.1e}")
    print(f"worst {worst:.1e}")
    assert worst < 1e-10, "the chunked decomposition does not equal the step recurrence"


if __name__ == "__main__":
    main()
