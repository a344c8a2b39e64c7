"""onestep: one-step feature learning, spiked random features and data-adaptive kernels.

The math behind the replication of arXiv:2605.17718 (theory: docs/THEORY.md). Modules by role;
imports point down this list only:

- foundations: :mod:`.quadrature` (every Gauss rule), :mod:`.activations`, :mod:`.hermite`,
  :mod:`.covariance` (the spiked covariance value), :mod:`.linalg`, :mod:`.streams` (random
  streams), :mod:`.stats`;
- the step and its spike: :mod:`.theory` (predictions), :mod:`.model` (simulation),
  :mod:`.spike` (estimates);
- kernels: the subpackage :mod:`.kernels` (pairs, Gram matrices, sector spectra, predictions,
  estimators, analysis, studies);
- learning: :mod:`.ridge` (solvers), :mod:`.eigenlearning`, :mod:`.curves` (simulation),
  :mod:`.curve_theory` (KRR theory), :mod:`.srf` and :mod:`.srf_neurons` (spiked random
  features), :mod:`.network_theory` (that theory on the drawn weights);
- the check: :mod:`.claims`, :mod:`.claims_learning`, :mod:`.spread`, :mod:`.verdict`;
- plumbing: :mod:`.config`, :mod:`.validation`, :mod:`.memory` (job memory estimates, the
  budget and the rules small enough to run locally on a cluster), :mod:`.io`,
  :mod:`.integrity`, :mod:`.jobs`, :mod:`.codehash`, :mod:`.plotting` (draws only);
- cost: :mod:`.bench` (side-by-side benchmark and scaling), :mod:`.benchmarks` (Snakemake
  benchmark files).
"""

__version__ = "0.1.0"
