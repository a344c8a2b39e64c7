"""The registry of random streams: every random draw of the pipeline comes from one of these.

A stream is ``numpy.random.default_rng(SeedSequence(seed, spawn_key=(key,)))`` for a config seed
and a registered name. The five streams of the step are exactly the children of
``default_rng(seed).spawn(5)`` (keys 0..4), so for one seed the draw of (beta, W0, a, X, noise)
does not depend on the step size, the student or the device; the later stages draw fresh inputs
from keys the step never uses. Streams are independent of each other (SeedSequence spawning).
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["STREAMS", "rng_for"]

STREAMS = {
    # the one gradient step (onestep.model.simulate_point)
    "beta": 0,
    "first_layer": 1,
    "second_layer": 2,
    "step_inputs": 3,
    "label_noise": 4,
    # fresh data of the later stages
    "learning": 1001,
    "kernel_spectrum": 2002,
    "kernel_gap": 2003,
    "sector_validation": 2004,
}


def rng_for(seed: int, name: str) -> np.random.Generator:
    """The generator of stream ``name`` (a key of :data:`STREAMS`) for config seed ``seed``."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed={seed!r}: expected an integer >= 0")
    if name not in STREAMS:
        raise ValueError(f"stream={name!r}: unknown; expected one of {sorted(STREAMS)}")
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(STREAMS[name],)))
