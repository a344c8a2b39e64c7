"""Benchmark of the learning stage: ``python -m onestep.bench [--out DIR] [--quick]``.

Not a timed test: it measures, side by side in one process, a plain-NumPy reference of the Cui et
al. protocol (:mod:`onestep.bench.reference`) and the pipeline's own functions on the same sizes,
and the scaling of the pipeline's stages with d (:mod:`onestep.bench.runs`); it writes CSV and
Markdown tables and a figure (:mod:`onestep.bench.__main__`).
"""

from .reference import reference_protocol, reference_readout, reference_step
from .runs import PROTOCOL, compare, measure, scaling, thread_info
from .tables import comparison_tables, scaling_table

__all__ = ["PROTOCOL", "compare", "comparison_tables", "measure", "reference_protocol",
           "reference_readout", "reference_step", "scaling", "scaling_table", "thread_info"]
