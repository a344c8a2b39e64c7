"""onestep: one-step feature learning, spiked random features and data-adaptive kernels.

The math behind the replication of arXiv:2605.17718. Submodules:

- :mod:`onestep.activations`, :mod:`onestep.hermite`: activations and Hermite coefficients
- :mod:`onestep.theory`: spiked-Gaussian predictions (theta, c, gamma)
- :mod:`onestep.model`, :mod:`onestep.spike`: the one-step simulation and its spike estimates
- :mod:`onestep.kernels`, :mod:`onestep.sectors`, :mod:`onestep.spectra`: kernels and spectra
- :mod:`onestep.learning`, :mod:`onestep.eigenlearning`: learning curves and their theory
- :mod:`onestep.io`, :mod:`onestep.config`, :mod:`onestep.plotting`, :mod:`onestep.jobs`:
  pipeline plumbing
"""

__version__ = "0.1.0"
