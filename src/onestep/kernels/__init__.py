"""Kernels induced by Gaussian first-layer weights, and their spectra (docs/THEORY.md 3-4).

Submodules, by role (this package imports none of them, so importing one loads only what it
needs):

- :mod:`.pairs`: ``E[s(U) s(V)]`` for a Gaussian pair (closed forms, quadrature, Mehler);
- :mod:`.series`, :mod:`.gram`: Gram matrices (Gaussian-weight kernels, random features);
- :mod:`.sector_grid`, :mod:`.sectors`: the exact population spectrum by symmetry reduction;
- :mod:`.predictions`: closed-form and large-step spectral theory;
- :mod:`.estimators`: finite-sample estimates (Gram eigenpairs, Rayleigh quotients, overlaps);
- :mod:`.analysis`: every estimate at one simulation point; :mod:`.studies`: kernel gap,
  small-d validation, eigenvalue table.
"""
