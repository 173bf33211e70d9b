"""CUDA-event timing shared by the PyTorch scripts in this folder (sdpa_side_by_side.py,
sdpa_reference.py, measure_attention.py), so every side-by-side figure is timed the same way:
`warmup` untimed calls, one synchronize, then `reps` calls each between two CUDA events on the
current stream, waited on one by one; the median in milliseconds.

Takes the torch module as an argument: the callers import it themselves (sdpa_side_by_side.py turns
a failed import into a one-line refusal).
"""

import statistics


def median_ms(torch, fn, warmup, reps, prime=None):
    """prime: called before each start event (sdpa_interleaved.py queues a GPU busy-wait there, so the
    timed call is queued before its start event fires and host queueing time is left out)."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        if prime is not None:
            prime()
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)
