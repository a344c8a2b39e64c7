"""Spectrum of the induced kernel at one simulation point, four ways (docs/THEORY.md sections 3-4).

Kernels (``x ~ N(0, I_d)``, the population measure of section 4 whatever the training law):
``k1`` the spiked Gaussian kernel with the *theory* ``(c, theta)`` along ``h_hat``; ``k1_est`` the
same with this run's ``(c_hat, theta_hat)``; ``rf`` the empirical random-features kernel of W1;
``k0`` the isotropic kernel (``c = 1, theta = 0``). Modes (:data:`MODES`; sector ``l``, parity in
kappa): ``boosted_linear`` top odd of l = 0 (near kappa), ``orthogonal_linear`` top even of l = 1
(near ``<e, x>``; the top of l = 1 for relu and tanh at every default step), ``top_even`` and
``second_even`` the top two even of l = 0. An odd activation (tanh) has a kernel odd in ``x`` and
no mode of even x-parity, an even one none of odd x-parity: those modes get *no row*.

Estimators of an eigenvalue:

- ``quadrature``: :func:`onestep.kernels.sectors.sector_spectrum` (k1, k1_est, k0; exact to
  quadrature).
- ``rayleigh``: U-statistic Rayleigh quotient with the control variate
  (:func:`onestep.kernels.estimators.rayleigh_quotient`, ``E[f^2] = 1``) of the mode's quadrature
  eigenfunction, Nystrom-evaluated at the samples (times the unit harmonic
  ``sqrt(d-1) <e, x>/|x_perp|`` for l = 1). ``rf`` uses the eigenfunctions of ``k1_est``, its
  spiked-Gaussian surrogate. Unbiased also inside degenerate eigenspaces; what is left after the
  control variate is the degenerate U-statistic part, ~ lambda_top sqrt(2) / m absolute (~1.5e-4
  at m = 2000), i.e. 10-20% of the O(1/d) eigenvalues and more than k0's O(1/d^2) second_even.
- ``gram``: an eigenvalue of ``K/m`` on ``m`` fresh samples, only where the theory says it is an
  outlier. Why: ``K/m`` has the non-zero spectrum of a sample covariance of the features with
  population eigenvalues ``lambda_j`` (multiplicity ``M_j``), so a degree-l eigenspace with
  ``M ~ d^l`` comparable to m spreads over the Marchenko-Pastur band
  ``lambda (1 +- sqrt(M/m))^2`` (+-60% for the 199 orthogonal linear modes at d = 200,
  m = 2000). A multiplicity-1 eigenvalue separates (BBP) when
  ``s = (1/m) sum_{j != k} M_j lambda_j^2 / (lambda_k - lambda_j)^2 < 1``; its sample eigenvalue
  is then ``lambda_k (1 + shift)``, ``shift = (1/m) sum_j M_j lambda_j / (lambda_k - lambda_j)``,
  and its eigenvector's squared cosine with the eigenfunction ``~ (1 - s)/(1 + shift)`` (Bai-Yao
  2012, Paul 2007). Reported where ``s <= OUTLIER_MAX = 0.1`` (cosine^2 >= 0.9), as the Gram
  eigenvalue whose eigenvector overlaps most with the mode's candidate; also its cosine and the
  predicted shift, which explains most of the gap to the population value (e.g. +5.5% for the
  relu ``second_even`` at eta_t = 1.5, d = 200, m = 2000, pushed up by the linear bulk). Its
  ``stderr`` is the first-order fluctuation ``lambda sd(f^2) / sqrt(m)`` (``lambda_gram ~ lambda
  mean(f^2)``).
  The unlisted trace enters ``s`` as one block at the top eigenvalue of the highest sector
  computed (a bound; negligible at the sizes used).
- ``theory``: :func:`onestep.kernels.predictions.relu_linear_eigenvalues` (``exact``, relu),
  :func:`onestep.kernels.predictions.relu_top_mode` (``leading`` and the refined ``k2``) and
  :func:`onestep.kernels.predictions.large_step_spectrum` (``large_step``; its first order in theta
  is the
  ``leading`` boosted value) at each kernel's ``(c, theta)``.

Overlaps (quantities ``overlap_<candidate>``, absolute values: eigenfunction signs are arbitrary)
of the ``top_even``/``second_even`` eigenfunctions with the unit candidates ``constant``,
``radial`` R and ``he2_kappa``: ``quadrature`` (:meth:`SectorSpectrum.overlaps`), ``gram``
(cosines of the matched outlier eigenvector; ``stderr`` ~ 1/sqrt(m) from the cosine as a mean of
m products) and ``theory`` (leading, large_step) for top_even.
float64 throughout.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..activations import Activation, activation_parity, as_activation
from ..covariance import SpikedCovariance
from .estimators import (
    candidate_functions,
    eigenvector_overlaps,
    gram_top_eigenpairs,
    outlier_statistics,
    rayleigh_quotient,
)
from .gram import gaussian_kernel_gram, random_features_gram
from .predictions import theory_rows
from .sector_grid import sector_kernel_rows
from .sectors import SectorSpectrum, evaluate_sector_eigenfunction, sector_spectrum

__all__ = [
    "KERNELS", "MODES", "ESTIMATORS", "CANDIDATES", "ROW_COLUMNS", "OUTLIER_MAX", "SECTORS",
    "find_modes", "analyse_kernel_point",
]

KERNELS = {"k1": "k1 (theory Sigma)", "k1_est": "k1 (estimated Sigma)",
           "rf": "RF kernel of W1", "k0": "k0 (isotropic)"}
MODES = {"boosted_linear": (0, -1, 0), "orthogonal_linear": (1, 1, 0),
         "top_even": (0, 1, 0), "second_even": (0, 1, 1)}  # (sector, kappa parity, rank)
ESTIMATORS = ("quadrature", "rayleigh", "gram", "theory")
CANDIDATES = ("constant", "radial", "he2_kappa")
ROW_COLUMNS = ("kernel", "estimator", "variant", "mode", "quantity", "value", "stderr",
               "c_kernel", "theta_kernel")
OUTLIER_MAX = 0.1
SECTORS = (0, 1, 2)
_GRID_FUNCS = {  # candidates as functions of (kappa, r) on the sector grid; d bound at call
    "constant": lambda k, r, d: np.ones(np.broadcast(k, r).shape),
    "radial": lambda k, r, d: (k**2 + r**2 - d) / math.sqrt(2.0 * d),
    "he2_kappa": lambda k, r, d: (k**2 - 1.0 + 0.0 * r) / math.sqrt(2.0),
}


def find_modes(spectrum: SectorSpectrum, act: Activation) -> dict:
    """``mode -> (sector, index)`` into ``spectrum.eigenvalues``; absent modes are left out.

    A sector-l eigenfunction of kappa-parity p has x-parity ``p (-1)^l``; an odd (even) activation
    has no eigenfunction of even (odd) x-parity, so those modes are absent, not zero.
    """
    parity, out = activation_parity(act), {}
    for mode, (sector, kappa_parity, rank) in MODES.items():
        if parity != 0 and kappa_parity * (-1) ** sector != parity:
            continue
        where = np.flatnonzero(spectrum.parity[sector] == kappa_parity)
        if where.size > rank:
            out[mode] = (sector, int(where[rank]))
    return out


def _candidates(spectrum, modes, kappa, r, harmonic) -> dict:
    """Quadrature eigenfunctions of ``modes`` at the samples (Nystrom), unit ``E[f^2]``."""
    out, rows = {}, sector_kernel_rows(spectrum.grid, kappa, r)  # shared by the sectors
    for sector in sorted({deg for deg, _ in modes.values()}):
        names = [mode for mode, (deg, _) in modes.items() if deg == sector]
        g = evaluate_sector_eigenfunction(spectrum, sector=sector, kappa=kappa, r=r,
                                          index=[modes[n][1] for n in names], kernel_rows=rows)
        for name, row in zip(names, g, strict=True):
            out[name] = row * harmonic if sector == 1 else row
    return out


def _check_inputs(W1, h_hat, beta, n_samples, n_eigs):
    W1 = np.asarray(W1, dtype=np.float64)
    if W1.ndim != 2 or W1.shape[1] < 4 or not np.all(np.isfinite(W1)):
        raise ValueError(f"W1: expected finite weights of shape (N, d >= 4), got {W1.shape}")
    units = []
    for name, v in (("h_hat", h_hat), ("beta", beta)):
        v = np.asarray(v, dtype=np.float64)
        if v.shape != (W1.shape[1],) or not np.linalg.norm(v) > 0:
            raise ValueError(f"{name}: expected a non-zero vector of shape ({W1.shape[1]},)")
        units.append(v / np.linalg.norm(v))
    if not (isinstance(n_eigs, int | np.integer) and n_eigs >= 4):
        raise ValueError(f"n_eigs={n_eigs!r}: expected an integer >= 4")
    if not (isinstance(n_samples, int | np.integer) and n_samples >= max(10, n_eigs)):
        raise ValueError(f"n_samples={n_samples!r}: expected an integer >= max(10, n_eigs)")
    return W1, *units


def analyse_kernel_point(*, W1, h_hat, beta, student, c, theta, c_hat, theta_hat,
                         n_samples: int, n_eigs: int, quadrature: dict | None = None,
                         rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    """All estimates of the four kernels' modes at one simulation point.

    Parameters
    ----------
    W1 : ndarray of shape (N, d)
        Post-step first-layer weights (defines ``rf``).
    h_hat, beta : ndarray of shape (d,)
        Spike and teacher directions (normalised here).
    student : str
    c, theta : float
        Theory spike (``k1``); ``c > 0``, ``theta >= 0``.
    c_hat, theta_hat : float
        Estimated spike (``k1_est``), through :meth:`SpikedCovariance.from_estimate` (a negative
        ``theta_hat`` is clipped to 0); the value used is recorded in ``theta_kernel``.
    n_samples, n_eigs : int
        Fresh inputs ``m``; Gram eigenpairs kept.
    quadrature : dict, optional
        Node counts for :func:`onestep.kernels.sectors.sector_spectrum`.
    rng : numpy.random.Generator
        Fresh inputs, then the orthogonal direction ``e`` of the candidates.

    Returns
    -------
    rows : pandas.DataFrame with columns :data:`ROW_COLUMNS`
    arrays : dict of ndarray
        ``{k0,k1}_l{l}_{eigenvalues,parity,multiplicity}``, ``{k0,k1}_trace`` and
        ``gram_{kernel}`` (top ``n_eigs`` eigenvalues of ``K/m``), for the spectrum figure.
    """
    W1, h, b = _check_inputs(W1, h_hat, beta, n_samples, n_eigs)
    act = as_activation(student, key="student")
    d, quad = W1.shape[1], dict(quadrature or {})
    covariances = {"k1": SpikedCovariance(c, theta, h),
                   "k1_est": SpikedCovariance.from_estimate(c_hat, theta_hat, h),
                   "k0": SpikedCovariance()}
    covariances["rf"] = covariances["k1_est"]
    sigmas = {name: (cov.c, cov.theta) for name, cov in covariances.items()}
    X = rng.standard_normal((n_samples, d))
    cand = candidate_functions(X, direction=h, beta=b, rng=rng)
    kappa = X @ h
    r = np.sqrt(np.maximum(np.einsum("ij,ij->i", X, X) - kappa**2, 0.0))
    harmonic = math.sqrt(d - 1) * cand["orthogonal_linear"] / r  # unit degree-1 harmonic of v
    rows, arrays, populations = [], {}, {}

    def add(kernel, estimator, mode, quantity, value, stderr=math.nan, variant=""):
        rows.append(dict(kernel=kernel, estimator=estimator, variant=variant, mode=mode,
                         quantity=quantity, value=float(value), stderr=float(stderr),
                         c_kernel=sigmas[kernel][0], theta_kernel=sigmas[kernel][1]))

    for kernel in ("k1", "k1_est", "k0"):
        spec = sector_spectrum(activation=act, d=d, c=sigmas[kernel][0], theta=sigmas[kernel][1],
                               sectors=SECTORS, n_eigs=n_eigs, **quad)
        modes = find_modes(spec, act)
        populations[kernel] = (spec, modes, _candidates(spec, modes, kappa, r, harmonic),
                               outlier_statistics(spec, n_samples=n_samples))
        for mode, (deg, i) in modes.items():
            add(kernel, "quadrature", mode, "eigenvalue", spec.eigenvalues[deg][i])
            if mode in ("top_even", "second_even"):
                for name in CANDIDATES:
                    ov = spec.overlaps(0, lambda k, rr, f=_GRID_FUNCS[name]: f(k, rr, d))[i]
                    add(kernel, "quadrature", mode, f"overlap_{name}", abs(ov))
        for item in theory_rows(act, c=sigmas[kernel][0], theta=sigmas[kernel][1], d=d):
            add(kernel, "theory", item["mode"], item["quantity"], item["value"],
                variant=item["variant"])
        if kernel != "k1_est":
            for deg in SECTORS:
                for key in ("eigenvalues", "parity"):
                    arrays[f"{kernel}_l{deg}_{key}"] = getattr(spec, key)[deg]
                arrays[f"{kernel}_l{deg}_multiplicity"] = np.array(spec.multiplicity[deg])
            arrays[f"{kernel}_trace"] = np.array(spec.trace)
    populations["rf"] = populations["k1_est"]  # rf is analysed through its Gaussian surrogate

    for kernel in ("k1", "k1_est", "rf", "k0"):
        if kernel == "rf":
            K = random_features_gram(W1, X, activation=act)
        else:
            K = gaussian_kernel_gram(X, activation=act, **covariances[kernel].kernel_params())
        values, vectors = gram_top_eigenpairs(K, n_eigs=n_eigs)
        arrays[f"gram_{kernel}"] = values
        spec, modes, funcs, stats = populations[kernel]
        for mode, f in funcs.items():
            est = rayleigh_quotient(K, f, population_norm=1.0)
            add(kernel, "rayleigh", mode, "eigenvalue", est.value, est.stderr)
            s, shift = stats[modes[mode]]
            if modes[mode][0] != 0 or not s <= OUTLIER_MAX:
                continue  # degenerate (l >= 1) or inside the Marchenko-Pastur bulk
            cosines = np.abs(f @ vectors) / np.linalg.norm(f)
            j = int(np.argmax(cosines))
            add(kernel, "gram", mode, "eigenvalue", values[j],
                values[j] * np.std(f**2) / math.sqrt(n_samples))
            add(kernel, "gram", mode, "candidate_cosine", cosines[j])
            add(kernel, "gram", mode, "mp_shift_predicted", shift)
            add(kernel, "gram", mode, "separation_s", s)
            if mode in ("top_even", "second_even"):
                ov = eigenvector_overlaps(vectors[:, [j]], {n: cand[n] for n in CANDIDATES})
                for name in CANDIDATES:  # stderr: the cosine as a mean of m products
                    terms = n_samples * vectors[:, j] * cand[name] / np.linalg.norm(cand[name])
                    add(kernel, "gram", mode, f"overlap_{name}", ov[name][0],
                        np.std(terms) / math.sqrt(n_samples))
        del K
    return pd.DataFrame(rows, columns=list(ROW_COLUMNS)), arrays
