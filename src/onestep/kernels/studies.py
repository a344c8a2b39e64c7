"""Kernel-stage studies around :mod:`onestep.kernels.analysis` (docs/THEORY.md sections 3-4).

- :func:`kernel_gap`: relative Frobenius gap between the RF kernel of the first N' neurons of W1
  and the spiked Gaussian kernel (estimated and theory Sigma) on fresh test points. The RF
  kernel is an average of N' i.i.d. terms, so the gap to its own mean falls like N'^{-1/2};
  the mean differs from k1 by the non-Gaussianity of the rows and (theory Sigma) by the O(d^-1/2)
  error of (c_hat, theta_hat), which set the floor at large N'. It also measures the input-space
  view (docs/THEORY.md section 3.7) on the same test points: :func:`input_space_gram_error` (k1 on
  X against k0 on A X, ``A = sqrt(d Sigma_hat)``) and the reference ``rf_iso_Ax``, the RF kernel
  of N' isotropic rows ``W_iso ~ N(0, I/d)`` (the law of W0) applied to ``A x``: both RF kernels
  are N'-term averages whose means are k1 (exactly for W_iso), so their gap also falls like
  N'^{-1/2}, towards the distance between the two means.
- :func:`sector_validation`: the population sector spectrum at a small d against Gram spectra of
  ``K/m`` on independent draws. First-order perturbation: with ``K/m ~ sum_j lambda_j phi_j
  phi_j^T / m``, an isolated eigenvalue of the Gram matrix is ``lambda_k mean_i(phi_k(x_i)^2)`` +
  O(1/m), so dividing it by the sample mean of its squared (Nystrom) eigenfunction removes the
  O(m^-1/2) fluctuation; what remains is the O(1/m) Marchenko-Pastur shift ``(1/m) sum_j M_j
  lambda_j / (lambda_k - lambda_j)`` (:func:`onestep.kernels.estimators.outlier_statistics`), which
  ``gram_corrected_mp`` also divides out (computed, not fitted; it matters for eigenvalues near
  the bulk, ~1% for the 5e-3 x top tanh modes at d = 8, m = 4000). For an
  l = 1 eigenspace (multiplicity M = d - 1), the mean of its M Gram eigenvalues is used and
  ``sum_Y (g Y)^2 / M = g^2``. Well-separated modes: sectors 0 and 1, separation statistic
  ``s <= OUTLIER_MAX``, eigenvalue >= 1e-3 x the top (quadrature error <= 2e-4 there) and
  population rank (counting multiplicities) within the first ``n_eigs / 2``.
  The Gram matrix is formed independently of the quadrature: closed forms (relu, erf), else the
  Mehler series with 120 terms and the exact diagonal (at d = 8 the bulk correlation is O(1),
  where the series Gram routes most pairs to 2-D quadrature, ~15 s per 500^2). Measured against
  the quadrature Gram at d = 8 (tanh, theta = 1.86): max entry error 4e-6, top eigenvalues 2e-9.
- :func:`eigenvalue_table`: theory vs every estimate with relative errors.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..activations import as_activation
from ..covariance import SpikedCovariance
from ..linalg import top_eigenpairs
from .analysis import OUTLIER_MAX
from .estimators import outlier_statistics
from .gram import gaussian_kernel_gram, random_features_gram, relative_frobenius_gap
from .pairs import CLOSED_FORMS, pair_kernel
from .predictions import THEORY_PRIORITY
from .sector_grid import sector_kernel_rows
from .sectors import evaluate_sector_eigenfunction, sector_spectrum

__all__ = ["REFERENCE_KERNEL", "kernel_gap", "input_space_gram_error", "exact_gram",
           "sector_validation", "eigenvalue_table"]

REFERENCE_KERNEL = {"k1": "k1", "k1_est": "k1_est", "k0": "k0", "rf": "k1_est"}


def _positive_int(value, name, minimum=1):
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name}={value!r}: expected an integer >= {minimum}")
    return int(value)


def input_space_gram_error(X, *, activation, covariance: SpikedCovariance) -> float:
    """Max normalised entry difference between the k1 Gram on ``X`` and the k0 Gram on ``A X``.

    ``max_ij |K1_ij - K0_ij| / sqrt(K1_ii K1_jj)`` with ``K1 = k1(X, X)`` (``Sigma`` of
    ``covariance``) and ``K0 = k0(X A^T, X A^T)``, ``A = sqrt(d Sigma)``, both from
    :func:`gaussian_kernel_gram`. Exact identity; what remains is round-off (closed forms) plus
    the series/quadrature accuracy of the Gram code (other activations), docs/THEORY.md 3.7.

    Parameters
    ----------
    X : array_like of shape (m, d)
    activation : str or Activation
    covariance : SpikedCovariance

    Returns
    -------
    float
    """
    act = as_activation(activation)
    X = np.asarray(X, dtype=np.float64)
    K1 = gaussian_kernel_gram(X, activation=act, **covariance.kernel_params())
    K0 = gaussian_kernel_gram(covariance.input_transform(X), activation=act)
    scale = np.sqrt(np.diag(K1))
    if not np.all(scale > 0):
        raise ValueError("X: k1(x, x) = 0 for some row (a zero input); the error is undefined")
    return float(np.max(np.abs(K1 - K0) / np.outer(scale, scale)))


def kernel_gap(*, W1, h_hat, student, c, theta, c_hat, theta_hat, n_test: int, fractions,
               rng: np.random.Generator) -> pd.DataFrame:
    """Gap of the RF kernel of ``W1[:N']`` to k1 (estimated and theory Sigma), float64.

    Also the input-space view at the estimated Sigma (module docstring): the reference
    ``rf_iso_Ax`` is the RF kernel of ``W_iso[:N']`` on ``A x`` with ``W_iso`` of shape (N, d),
    i.i.d. ``N(0, 1/d)`` entries, drawn from ``rng`` after the test inputs (so the other rows do
    not change); its gap is ``||K - K_iso||_F / ||K_k1_est||_F`` (normalised by the common limit:
    ``||K_iso||`` itself carries O(1/N') noise). ``input_gram_error`` is
    :func:`input_space_gram_error` on the test inputs.

    Parameters
    ----------
    W1 : ndarray of shape (N, d)
    h_hat : ndarray of shape (d,)
    student : str
    c, theta, c_hat, theta_hat : float
        Theory and estimated spike (:meth:`SpikedCovariance.from_estimate`: a negative
        ``theta_hat`` is clipped to 0).
    n_test : int
        Fresh test inputs ``x ~ N(0, I_d)``.
    fractions : sequence of float in (0, 1]
        ``N' = max(1, round(fraction N))``, nested (first rows; rows are i.i.d.).
    rng : numpy.random.Generator

    Returns
    -------
    pandas.DataFrame with columns fraction, n_neurons, reference (``k1_est``/``k1``/``rf_iso_Ax``),
    gap, reference_gap (between the two Gaussian kernels), input_gram_error.
    """
    W1 = np.asarray(W1, dtype=np.float64)
    if W1.ndim != 2 or W1.shape[0] < 1:
        raise ValueError(f"W1: expected shape (N, d), got {W1.shape}")
    n_test = _positive_int(n_test, "n_test", 2)
    fractions = np.asarray(fractions, dtype=np.float64)
    if fractions.ndim != 1 or fractions.size == 0 or np.any((fractions <= 0) | (fractions > 1)):
        raise ValueError(f"fractions={fractions.tolist()!r}: expected values in (0, 1]")
    act = as_activation(student, key="student")
    N, d = W1.shape
    refs = {"k1_est": SpikedCovariance.from_estimate(c_hat, theta_hat, h_hat),
            "k1": SpikedCovariance(c, theta, h_hat)}
    X = rng.standard_normal((n_test, d))
    grams = {name: gaussian_kernel_gram(X, activation=act, **cov.kernel_params())
             for name, cov in refs.items()}
    between = relative_frobenius_gap(grams["k1_est"], grams["k1"])
    gram_error = input_space_gram_error(X, activation=act, covariance=refs["k1_est"])
    AX = refs["k1_est"].input_transform(X)
    W_iso = rng.standard_normal((N, d)) / math.sqrt(d)
    rows = []
    for fraction in fractions:
        n = max(1, round(fraction * N))
        K = random_features_gram(W1[:n], X, activation=act)
        gaps = {name: relative_frobenius_gap(K, ref) for name, ref in grams.items()}
        # normalised by the common limit k1_est, not by the noisy K_iso (||K_N'|| grows ~ 1/N')
        K_iso = random_features_gram(W_iso[:n], AX, activation=act)
        gaps["rf_iso_Ax"] = relative_frobenius_gap(K - K_iso + grams["k1_est"], grams["k1_est"])
        rows += [dict(fraction=float(fraction), n_neurons=n, reference=name, gap=gap,
                      reference_gap=between, input_gram_error=gram_error)
                 for name, gap in gaps.items()]
    return pd.DataFrame(rows)


def exact_gram(X, act, c, theta, u, block_size=1000):
    """Gram of k1 on ``X`` (m, d) independent of the sector quadrature (module docstring)."""
    if act.name in CLOSED_FORMS:
        return gaussian_kernel_gram(X, activation=act, c=c, theta=theta, direction=u)
    sigma = SpikedCovariance(c, theta, u)
    q = sigma.row_moments(X)[0]
    K = np.empty((X.shape[0], X.shape[0]))
    for s in range(0, X.shape[0], block_size):  # upper block rows, mirrored
        rows = slice(s, s + block_size)
        _, _, P = sigma.moments(X[rows], X[s:])
        K[rows, s:] = pair_kernel(q[rows, None], q[None, s:], P, activation=act,
                                  method="mehler", n_terms=120)
        K[s:, rows] = K[rows, s:].T
    np.fill_diagonal(K, pair_kernel(q, q, q, activation=act, method="quadrature"))
    return K


def sector_validation(*, student, c: float, theta: float, d: int, n_samples: int, draws: int,
                      n_eigs: int, quadrature: dict | None = None,
                      rng: np.random.Generator) -> pd.DataFrame:
    """Quadrature eigenvalues vs Gram eigenvalues (raw and corrected) at a small d.

    Returns
    -------
    pandas.DataFrame, one row per (mode, draw): sector, parity, index, multiplicity, quadrature,
    separation_s, mp_shift_predicted, gram_raw, gram_corrected, gram_corrected_mp, captured (mean
    squared cosine of the matched Gram eigenvectors with the eigenspace), ``rel_err_<kind>``
    (against the quadrature) and ``mean_rel_err_<kind>`` (mean over draws) for each kind.
    """
    act = as_activation(student, key="student")
    n_samples = _positive_int(n_samples, "n_samples", 10)
    n_eigs, draws = _positive_int(n_eigs, "n_eigs", 4), _positive_int(draws, "draws")
    if n_eigs > n_samples:
        raise ValueError(f"n_eigs={n_eigs!r}: expected <= n_samples={n_samples}")
    spec = sector_spectrum(activation=act, d=d, c=c, theta=theta, sectors=(0, 1, 2),
                           n_eigs=n_eigs, **(quadrature or {}))
    stats = outlier_statistics(spec, n_samples=n_samples)
    keys = sorted(stats, key=lambda key: -spec.eigenvalues[key[0]][key[1]])
    top, rank, modes = spec.eigenvalues[0][0], 0, []
    for sector, index in keys:  # population ranks counting multiplicities
        lam, mult = spec.eigenvalues[sector][index], spec.multiplicity[sector]
        rank += mult
        if (sector <= 1 and rank <= n_eigs // 2 and lam >= 1e-3 * top
                and stats[(sector, index)][0] <= OUTLIER_MAX):
            modes.append((sector, index))
    if not modes:
        raise ValueError(f"n_samples={n_samples!r}: no eigenvalue separates from the bulk")
    u = np.eye(d)[0]  # the spectrum depends on u only through a rotation
    rows = []
    for draw in range(draws):
        X = rng.standard_normal((n_samples, d))
        kappa, r = X[:, 0], np.linalg.norm(X[:, 1:], axis=1)
        K = exact_gram(X, act, c, theta, u)
        values, vectors = top_eigenpairs(K / n_samples, n_eigs, method="lanczos")
        harmonics = math.sqrt(d - 1) * X[:, 1:] / r[:, None]  # unit degree-1 harmonics of v
        funcs, kernel_rows = {}, sector_kernel_rows(spec.grid, kappa, r)  # shared by the sectors
        for sector in sorted({sector for sector, _ in modes}):
            index = [i for deg, i in modes if deg == sector]
            g = evaluate_sector_eigenfunction(spec, sector=sector, index=index, kappa=kappa, r=r,
                                              kernel_rows=kernel_rows)
            funcs.update({(sector, i): row for i, row in zip(index, g, strict=True)})
        for (sector, index), g in funcs.items():
            block = g[:, None] if sector == 0 else g[:, None] * harmonics
            basis, _ = np.linalg.qr(block)
            captured = np.sum((basis.T @ vectors) ** 2, axis=0)
            pick = np.argsort(captured)[::-1][: block.shape[1]]
            raw = float(values[pick].mean())
            rows.append(dict(student=act.name, d=d, c=c, theta=theta, n_samples=n_samples,
                             draw=draw, sector=sector, parity=int(spec.parity[sector][index]),
                             index=index, multiplicity=spec.multiplicity[sector],
                             quadrature=spec.eigenvalues[sector][index],
                             separation_s=stats[(sector, index)][0],
                             mp_shift_predicted=stats[(sector, index)][1], gram_raw=raw,
                             gram_corrected=raw / float(np.mean(g**2)),
                             captured=float(captured[pick].mean())))
    table = pd.DataFrame(rows)
    table["gram_corrected_mp"] = table["gram_corrected"] / (1 + table["mp_shift_predicted"])
    for kind in ("raw", "corrected", "corrected_mp"):
        table[f"rel_err_{kind}"] = table[f"gram_{kind}"] / table["quadrature"] - 1
        table[f"mean_rel_err_{kind}"] = table.groupby(["sector", "index"])[
            f"rel_err_{kind}"].transform("mean")
    return table


def eigenvalue_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Theory vs each estimate, per (student, eta_t, kernel, mode), with relative errors.

    The reference is the best theory variant available (:data:`THEORY_PRIORITY`) at the
    population kernel's Sigma (:data:`REFERENCE_KERNEL`: ``rf`` is compared with its Gaussian
    surrogate ``k1_est``), else the quadrature (modes without a closed form, e.g. second_even).
    """
    keys = ["student", "d", "eta_t"]
    eig = rows[rows["quantity"] == "eigenvalue"]
    table = eig.loc[eig["estimator"] != "theory", [*keys, "kernel", "mode"]].drop_duplicates()
    table["population_kernel"] = table["kernel"].map(REFERENCE_KERNEL)
    pop = [*keys, "population_kernel", "mode"]
    theory = eig[eig["estimator"] == "theory"].pivot_table(
        index=[*keys, "kernel", "mode"], columns="variant", values="value")
    theory = theory.reindex(columns=list(THEORY_PRIORITY)).add_prefix("theory_")
    table = table.merge(theory.rename_axis(index={"kernel": "population_kernel"}).reset_index(),
                        on=pop, how="left")
    quad = eig.loc[eig["estimator"] == "quadrature", [*keys, "kernel", "mode", "value"]]
    table = table.merge(quad.rename(columns={"kernel": "population_kernel", "value": "quadrature"}),
                        on=pop, how="left")
    for est in ("rayleigh", "gram"):
        hit = eig.loc[eig["estimator"] == est, [*keys, "kernel", "mode", "value", "stderr"]]
        table = table.merge(hit.rename(columns={"value": est, "stderr": f"{est}_stderr"}),
                            on=[*keys, "kernel", "mode"], how="left")
    shift = rows.loc[rows["quantity"] == "mp_shift_predicted", [*keys, "kernel", "mode", "value"]]
    table = table.merge(shift.rename(columns={"value": "gram_mp_shift_predicted"}),
                        on=[*keys, "kernel", "mode"], how="left")
    available = table[[f"theory_{v}" for v in THEORY_PRIORITY]].notna().to_numpy()
    first = np.argmax(available, axis=1)
    has = available.any(axis=1)
    table["reference"] = np.where(has, np.array(THEORY_PRIORITY)[first], "quadrature")
    values = table[[f"theory_{v}" for v in THEORY_PRIORITY]].to_numpy()
    table["reference_value"] = np.where(has, values[np.arange(len(table)), first],
                                        table["quadrature"])
    for est in ("quadrature", "rayleigh", "gram"):
        table[f"rel_err_{est}"] = table[est] / table["reference_value"] - 1
    table.loc[~has, "rel_err_quadrature"] = math.nan  # the quadrature is its own reference
    return table.sort_values([*keys, "kernel", "mode"]).reset_index(drop=True)
