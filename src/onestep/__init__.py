"""onestep: one-step feature learning, spiked random features and data-adaptive kernels.

The math behind the replication of arXiv:2605.17718. Submodules:

- :mod:`onestep.activations`, :mod:`onestep.hermite`: activations and Hermite coefficients
- :mod:`onestep.theory`: spiked-Gaussian predictions (theta, c, gamma)
- :mod:`onestep.model`, :mod:`onestep.spike`: the one-step simulation and its spike estimates
- :mod:`onestep.pairs`, :mod:`onestep.kernels`: the bivariate Gaussian kernel and Gram matrices
- :mod:`onestep.sectors`, :mod:`onestep.spectra`: exact population spectra, finite-sample
  estimators and spectral theory
- :mod:`onestep.kernel_analysis`, :mod:`onestep.kernel_studies`: the kernel-stage computations
- :mod:`onestep.learning`, :mod:`onestep.eigenlearning`, :mod:`onestep.curves`,
  :mod:`onestep.curve_theory`: solvers, learning curves and their theory
- :mod:`onestep.claims`: the reproduction check
- :mod:`onestep.io`, :mod:`onestep.config`, :mod:`onestep.plotting`, :mod:`onestep.jobs`,
  :mod:`onestep.benchmarks`: pipeline plumbing
"""

__version__ = "0.1.0"
