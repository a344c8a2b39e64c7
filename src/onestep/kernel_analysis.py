"""Spectrum of the induced kernel at one simulation point, four ways (THEORY.md sections 3-4).

Kernels (``x ~ N(0, I_d)``, the population measure of section 4 whatever the training law):
``k1`` the spiked Gaussian kernel with the *theory* ``(c, theta)`` along ``h_hat``; ``k1_est`` the
same with this run's ``(c_hat, theta_hat)``; ``rf`` the empirical random-features kernel of W1;
``k0`` the isotropic kernel (``c = 1, theta = 0``). Modes (:data:`MODES`; sector ``l``, parity in
kappa): ``boosted_linear`` top odd of l = 0 (near kappa), ``orthogonal_linear`` top even of l = 1
(near ``<e, x>``; the top of l = 1 for relu and tanh at every default step), ``top_even`` and
``second_even`` the top two even of l = 0. An odd activation (tanh) has a kernel odd in ``x`` and
no mode of even x-parity, an even one none of odd x-parity: those modes get *no row*.

Estimators of an eigenvalue:

- ``quadrature``: :func:`onestep.sectors.sector_spectrum` (k1, k1_est, k0; exact to quadrature).
- ``rayleigh``: U-statistic Rayleigh quotient with the control variate
  (:func:`onestep.spectra.rayleigh_quotient`, ``E[f^2] = 1``) of the mode's quadrature
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
- ``theory``: :func:`onestep.spectra.relu_linear_eigenvalues` (``exact``, relu),
  :func:`onestep.spectra.relu_top_mode` (``leading`` and the refined ``k2``) and
  :func:`onestep.spectra.large_step_spectrum` (``large_step``; its first order in theta is the
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

from .activations import Activation, get_activation
from .kernels import gaussian_kernel_gram, random_features_gram
from .sectors import SectorSpectrum, evaluate_sector_eigenfunction, sector_spectrum
from .spectra import (
    candidate_functions,
    eigenvector_overlaps,
    gram_top_eigenpairs,
    large_step_spectrum,
    rayleigh_quotient,
    relu_linear_eigenvalues,
    relu_top_mode,
)

__all__ = [
    "KERNEL_STREAM", "KERNELS", "MODES", "ESTIMATORS", "CANDIDATES", "ROW_COLUMNS", "OUTLIER_MAX",
    "SECTORS", "activation_parity", "find_modes", "outlier_statistics", "theory_rows",
    "analyse_kernel_point",
]

KERNEL_STREAM = 2002  # spawn_key of the fresh inputs (the step uses small keys, learning 1001)
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


def activation_parity(act: Activation) -> int:
    """``-1`` odd, ``+1`` even, ``0`` neither (checked on a grid to 1e-12 relative)."""
    z = np.linspace(0.05, 8.0, 160)
    plus, minus = act.numpy(z), act.numpy(-z)
    tol = 1e-12 * (np.max(np.abs(plus)) + 1e-300)
    if np.max(np.abs(plus + minus)) <= tol:
        return -1
    return 1 if np.max(np.abs(plus - minus)) <= tol else 0


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


def outlier_statistics(spectrum: SectorSpectrum, *, n_samples: int) -> dict:
    """``(sector, index) -> (s, shift)`` of every listed eigenspace (see module docstring).

    ``s < 1`` is the separation (BBP) condition of a multiplicity-1 eigenvalue in ``K/m``;
    ``shift`` the predicted relative displacement of its Gram eigenvalue. For a multiplicity
    ``M > 1`` the eigenspace's own ``M - 1`` copies are left out of both sums.
    """
    if not (isinstance(n_samples, int | np.integer) and n_samples >= 1):
        raise ValueError(f"n_samples={n_samples!r}: expected a positive integer")
    keys = [(deg, i) for deg, values in spectrum.eigenvalues.items() for i in range(values.size)]
    lam = np.array([spectrum.eigenvalues[deg][i] for deg, i in keys])
    mult = np.array([spectrum.multiplicity[deg] for deg, _ in keys], dtype=np.float64)
    top_high = spectrum.eigenvalues[max(spectrum.eigenvalues)][0]
    tail = max(spectrum.tail_trace(), 0.0)
    if top_high > 0 and tail > 0:  # unlisted trace as one block at a bounding eigenvalue
        lam, mult = np.append(lam, top_high), np.append(mult, tail / top_high)
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for k, key in enumerate(keys):
            other = np.arange(lam.size) != k
            gap = lam[k] - lam[other]
            s = np.sum(mult[other] * lam[other] ** 2 / gap**2) / n_samples
            shift = np.sum(mult[other] * lam[other] / gap) / n_samples
            out[key] = (float(s) if np.all(gap != 0) else math.inf, float(shift))
    return out


def theory_rows(student, *, c: float, theta: float, d: int) -> list[dict]:
    """Closed-form predictions ``{mode, quantity, variant, value}`` at ``(c/d) I + theta u u^T``.

    Variants: ``exact`` (relu linear modes), ``leading`` (relu rank-one top mode and its overlaps;
    first order in theta for the boosted mode), ``k2`` (relu top mode with the k = 2 Mehler term),
    ``large_step`` (any activation, exact in theta as d -> infinity). Absent modes: no row.
    """
    act = student if isinstance(student, Activation) else get_activation(student, key="student")
    parity, rows = activation_parity(act), []

    def add(mode, quantity, variant, value):
        rows.append(dict(mode=mode, quantity=quantity, variant=variant, value=float(value)))

    big = large_step_spectrum(activation=act, c=c, theta=theta, d=d)
    if parity != 1:  # odd x-parity modes exist
        add("boosted_linear", "eigenvalue", "large_step", big.boosted_linear)
        add("boosted_linear", "eigenvalue", "leading", big.naive_linear)
        add("orthogonal_linear", "eigenvalue", "large_step", big.orthogonal_linear)
    if parity != -1:  # even x-parity modes exist
        add("top_even", "eigenvalue", "large_step", big.top)
        add("top_even", "overlap_constant", "large_step", abs(big.overlap_constant))
        add("top_even", "overlap_he2_kappa", "large_step", abs(big.overlap_he2))
    if act.name == "relu":
        boosted, orthogonal = relu_linear_eigenvalues(c=c, theta=theta, d=d)
        add("boosted_linear", "eigenvalue", "exact", boosted)
        add("orthogonal_linear", "eigenvalue", "exact", orthogonal)
        top = relu_top_mode(c=c, theta=theta, d=d)
        add("top_even", "eigenvalue", "leading", top.eigenvalue)
        add("top_even", "eigenvalue", "k2", top.eigenvalue_k2)
        for name, value in (("constant", top.overlap_constant), ("radial", top.overlap_radial),
                            ("he2_kappa", top.overlap_he2)):
            add("top_even", f"overlap_{name}", "leading", abs(value))
    return rows


def _candidates(spectrum, modes, kappa, r, harmonic) -> dict:
    """Quadrature eigenfunctions of ``modes`` at the samples (Nystrom), unit ``E[f^2]``."""
    out = {}
    for sector in sorted({deg for deg, _ in modes.values()}):
        names = [mode for mode, (deg, _) in modes.items() if deg == sector]
        g = evaluate_sector_eigenfunction(spectrum, sector=sector, kappa=kappa, r=r,
                                          index=[modes[n][1] for n in names])
        for name, row in zip(names, g, strict=True):
            out[name] = row * harmonic if sector == 1 else row
    return out


def _check_inputs(W1, h_hat, beta, c, theta, c_hat, n_samples, n_eigs):
    W1 = np.asarray(W1, dtype=np.float64)
    if W1.ndim != 2 or W1.shape[1] < 4 or not np.all(np.isfinite(W1)):
        raise ValueError(f"W1: expected finite weights of shape (N, d >= 4), got {W1.shape}")
    units = []
    for name, v in (("h_hat", h_hat), ("beta", beta)):
        v = np.asarray(v, dtype=np.float64)
        if v.shape != (W1.shape[1],) or not np.linalg.norm(v) > 0:
            raise ValueError(f"{name}: expected a non-zero vector of shape ({W1.shape[1]},)")
        units.append(v / np.linalg.norm(v))
    for name, value in (("c", c), ("c_hat", c_hat)):
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"{name}={value!r}: expected a finite value > 0")
    if not (np.isfinite(theta) and theta >= 0):
        raise ValueError(f"theta={theta!r}: expected a finite value >= 0")
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
        Estimated spike (``k1_est``); a negative ``theta_hat`` (noise when theta ~ c/d) is
        clipped to 0 and the value used is recorded in ``theta_kernel``.
    n_samples, n_eigs : int
        Fresh inputs ``m``; Gram eigenpairs kept.
    quadrature : dict, optional
        Node counts for :func:`onestep.sectors.sector_spectrum`.
    rng : numpy.random.Generator
        Fresh inputs, then the orthogonal direction ``e`` of the candidates.

    Returns
    -------
    rows : pandas.DataFrame with columns :data:`ROW_COLUMNS`
    arrays : dict of ndarray
        ``{k0,k1}_l{l}_{eigenvalues,parity,multiplicity}``, ``{k0,k1}_trace`` and
        ``gram_{kernel}`` (top ``n_eigs`` eigenvalues of ``K/m``), for the spectrum figure.
    """
    W1, h, b = _check_inputs(W1, h_hat, beta, c, theta, c_hat, n_samples, n_eigs)
    act = get_activation(student, key="student")
    d, quad = W1.shape[1], dict(quadrature or {})
    sigmas = {"k1": (float(c), float(theta)), "k1_est": (float(c_hat), max(float(theta_hat), 0.0)),
              "k0": (1.0, 0.0)}
    sigmas["rf"] = sigmas["k1_est"]
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
        c_k, theta_k = sigmas[kernel]
        if kernel == "rf":
            K = random_features_gram(W1, X, activation=act)
        else:
            K = gaussian_kernel_gram(X, activation=act, c=c_k, theta=theta_k,
                                     direction=h if theta_k > 0 else None)
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
