"""The reproduction check: one row per claim of docs/THEORY.md, measured on the pipeline's tables.

Every row states the measured and predicted values, the tolerance and why that tolerance, and the
config point. Tolerances are statistical (a few standard errors of the quantity, from a derived or
stated fluctuation law, shrinking with d and the number of seeds) plus a stated finite-size bias,
so the same code is honest for the small CI configuration and the default one.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .kernels.pairs import CLOSED_FORMS
from .spread import spread_of_row
from .stats import common_slope, log_rms_sd, loglog_fit, two_point_kurtosis_sd

__all__ = ["COLUMNS", "claim_row", "input_space_claims", "kernel_claims", "spike_claims"]

COLUMNS = ["claim", "statement", "point", "measured", "predicted", "error", "tolerance",
           "why_tolerance", "passed"]


def claim_row(claim, statement, point, *, measured, predicted, error, tolerance, why) -> dict:
    """One claim; ``passed`` is ``error <= tolerance`` (NaN errors fail)."""
    error = float(error)
    return {"claim": claim, "statement": statement, "point": point, "measured": float(measured),
            "predicted": float(predicted), "error": error, "tolerance": float(tolerance),
            "why_tolerance": why, "passed": bool(np.isfinite(error) and error <= tolerance)}


def _at_step(table: pd.DataFrame, eta_t: float) -> pd.DataFrame:
    steps = np.sort(table["eta_t"].unique())
    nearest = steps[np.argmin(np.abs(steps - eta_t))]
    return table[table["eta_t"] == nearest]


def spike_claims(sweep: pd.DataFrame, shape: pd.DataFrame, finite: pd.DataFrame, *,
                 eta_t: float) -> list[dict]:
    """Claim 1 (spiked Gaussian weights): strength, bulk, alignment, shape, convergence."""
    rows = []
    for student, group in _at_step(sweep, eta_t).groupby("student"):
        d, seeds = int(group["d"].iloc[0]), len(group)
        n_neurons = group["phi"].iloc[0] * d
        point = f"{student} student, d={d}, eta_t={group['eta_t'].iloc[0]:g}, {seeds} seeds"
        theta, c, gamma = (group[f"theory_{k}"].iloc[0] for k in ("theta", "c", "gamma"))
        spread = spread_of_row(group.iloc[0])
        mean_theta = group["theta_hat"].mean()
        rows.append(claim_row(
            "spike_strength", "theta_hat -> theta = eta_t^2 mu1^2 (mu*_1^2 + E[y^2]/psi)", point,
            measured=mean_theta, predicted=theta, error=abs(mean_theta / theta - 1),
            tolerance=3 * spread["sd_theta"] / math.sqrt(seeds) + abs(spread["bias_theta"])
            + 0.5 / d,
            why=f"3 standard errors of the seed mean, per-seed sd {spread['sd_theta']:.3g} "
                "(onestep.spike.population_spread: mean(u^2), |h|^2, cross and bulk terms), plus "
                f"the O(1/n) bias {abs(spread['bias_theta']):.2g} of E|h|^2 (derived) and 0.5/d "
                "for the estimator given the draw (measured, tests/test_spike.py)"))
        rel = group["theta_hat"] / group["plugin_theta"] - 1
        sd_given = math.sqrt(spread["var_cross"] + spread["var_bulk"])
        rows.append(claim_row(
            "spike_strength_given_draw", "theta_hat matches theta given the drawn a and |h|", point,
            measured=group["theta_hat"].mean(), predicted=group["plugin_theta"].mean(),
            error=abs(rel.mean()), tolerance=3 * sd_given / math.sqrt(seeds) + 1 / d,
            why=f"3 standard errors of the seed mean of theta_hat/theta_plug - 1, per-seed sd "
                f"{sd_given:.3g} (cross and bulk terms of population_spread), plus 1/d for the "
                "O(1/d) bias of the plug-in (< 0.5/d measured, tests/test_spike.py)"))
        mean_c = group["c_hat"].mean()
        rows.append(claim_row(
            "bulk", "c_hat -> c = 1 + eta_t^2 E[y^2] Var[s'] / psi", point,
            measured=mean_c, predicted=c, error=abs(mean_c / c - 1),
            tolerance=3 * spread["sd_c"] / math.sqrt(seeds) + 2 / d,
            why=f"3 standard errors of the seed mean, per-seed sd {spread['sd_c']:.3g} "
                "(population_spread: mean(u^2) and E[y^2] acting on c-1, trace of W0), plus a 2/d "
                "bias (f self-interaction, ~-1.5/N measured)"))
        mean_gamma = group["gamma_hat"].mean()
        rows.append(claim_row(
            "alignment", "gamma_hat = |<h_hat, beta>| -> mu*_1 / sqrt(mu*_1^2 + E[y^2]/psi)", point,
            measured=mean_gamma, predicted=gamma, error=abs(mean_gamma - gamma),
            tolerance=3 * spread["sd_gamma"] / math.sqrt(seeds) + 1 / d,
            why=f"3 standard errors of the seed mean, per-seed sd {spread['sd_gamma']:.3g} "
                "(population_spread, delta method on m = mean(yz) and |h_perp|^2), plus 1/d for "
                "the O(1/n) bias of |h|"))
    for law, group in shape.groupby("second_layer"):
        n_neurons, seeds = int(round(group["phi"].iloc[0] * group["d"].iloc[0])), len(group)
        point = (f"{group['student'].iloc[0]} student, {law} second layer, d={group['d'].iloc[0]}, "
                 f"eta_t={group['eta_t'].iloc[0]:g}, {seeds} seeds")
        theta, bulk = group["plugin_theta"].mean(), group["plugin_c"].mean() / group["d"].iloc[0]
        # excess kurtosis of a Gaussian (gaussian a), a +-sqrt(theta) mixture, a shifted Gaussian
        predicted = {"gaussian": 0.0, "rademacher": -2 * theta**2 / (theta + bulk) ** 2,
                     "constant": 0.0}[law]
        sd = two_point_kurtosis_sd(theta if law == "rademacher" else 0.0, bulk, n_neurons)
        # the bulk along h_hat is c/d only to leading order (<b_i, h_hat> picks up a term in
        # <w_i, h_hat>): allow it to be off by 100%, |d kurtosis / d bulk| * bulk
        bulk_bias = 4 * theta**2 * bulk / (theta + bulk) ** 3 if law == "rademacher" else 0.0
        kurtosis = group["proj_excess_kurtosis"].mean()
        rows.append(claim_row(
            f"spike_shape_{law}", "shape of W1 h_hat across neurons (excess kurtosis)", point,
            measured=kurtosis, predicted=predicted, error=abs(kurtosis - predicted),
            tolerance=3 * sd / math.sqrt(seeds) + 6 / n_neurons + bulk_bias,
            why=f"3 standard errors of the seed mean, per-seed sd {sd:.3g} (delta method on the "
                "sample moments of the predicted law; sqrt(24/N) for a Gaussian), plus the "
                "O(1/N) bias (-6/N Gaussian, +4/N two-point) of the biased moment estimator"
                + (f", plus {bulk_bias:.2g} = |d kurtosis/d b| b for the bulk b = c/d along "
                   "h_hat, known to leading order only" if bulk_bias else "")))
    for student, group in finite.groupby("student"):
        rel = group["theta_hat"] / group["plugin_theta"] - 1
        rms = np.sqrt((rel**2).groupby(group["d"]).mean())
        seeds = int(group.groupby("d").size().min())
        slope, stderr = loglog_fit(rms.index.to_numpy(), rms.to_numpy(),
                                   log_sd=log_rms_sd(seeds))
        smallest = spread_of_row(group[group["d"] == rms.index.min()].iloc[0])
        # var_bulk ~ d^-3 against var_cross ~ d^-2 steepens the local slope by at most this
        bias = 0.5 * smallest["var_bulk"] / (smallest["var_cross"] + smallest["var_bulk"])
        rows.append(claim_row(
            "spike_convergence", "the error of theta_hat given the draw falls like 1/d",
            f"{student} student, d={list(rms.index)}, {seeds} seeds", measured=slope,
            predicted=-1.0, error=abs(slope + 1.0), tolerance=3 * stderr + bias,
            why=f"slope of log rms_seeds(theta_hat/theta_plug - 1) against log d; 3 standard "
                f"errors ({stderr:.3g}) of the weighted fit, each log rms having sd "
                f"sqrt(trigamma(S/2))/2 = {log_rms_sd(seeds):.3g} (S seeds, Gaussian cross "
                f"term), plus {bias:.2g} for the d^-3 bulk term at the smallest d"))
    return rows


def _pick(table: pd.DataFrame, **filters) -> float:
    rows = table
    for key, value in filters.items():
        rows = rows[rows[key] == value]
    if len(rows) != 1:
        raise ValueError(f"expected one row for {filters}, found {len(rows)}")
    return float(rows["value"].iloc[0])


def kernel_claims(spectrum: pd.DataFrame, gap: pd.DataFrame, validation: pd.DataFrame, *,
                  eta_t: float) -> list[dict]:
    """Claims 2-4 (the adaptive kernel): linear boost, selective amplification, top-mode mixing,
    kernel gap, and the sector quadrature against large-m Gram spectra."""
    rows = []
    table = _at_step(spectrum, eta_t)
    table = table[table["quantity"].isin(["eigenvalue", "overlap_he2_kappa"])]
    for student, group in table.groupby("student"):
        d, step = int(group["d"].iloc[0]), float(group["eta_t"].iloc[0])
        c, theta = float(group["c_theory"].iloc[0]), float(group["theta_theory"].iloc[0])
        point = f"{student} student, d={d}, eta_t={step:g} (theta={theta:.3g})"
        ev = group[group["quantity"] == "eigenvalue"]
        quad = _pick(ev, kernel="k1", estimator="quadrature", mode="boosted_linear")
        large_step = _pick(ev, kernel="k1", estimator="theory", variant="large_step",
                           mode="boosted_linear")
        rows.append(claim_row(
            "linear_boost_theory", "target-aligned linear eigenvalue of k1 (large-step theory)",
            point, measured=quad, predicted=large_step, error=abs(quad / large_step - 1),
            tolerance=1 / d,
            why="no noise (quadrature vs theory at the same Sigma): only the O(1/d) bias of the "
                "leading-order large-step theory, coefficient <= 0.46 measured (tanh, CI and "
                "default configs), bounded by 1/d; for relu it is exact"))
        if student == "relu":
            exact = (c / d + theta) / 4
            rows.append(claim_row(
                "relu_linear_boost_exact", "relu: linear eigenvalue along h_hat = (c/d + theta)/4",
                point, measured=quad, predicted=exact, error=abs(quad / exact - 1), tolerance=1e-8,
                why="exact at any d (odd part of the arc-cosine kernel is x^T Sigma x'/4); "
                    "only quadrature round-off remains"))
            ortho = _pick(ev, kernel="k1", estimator="quadrature", mode="orthogonal_linear")
            rows.append(claim_row(
                "relu_orthogonal_linear_kept", "relu: orthogonal linear eigenvalues stay c/(4d)",
                point, measured=ortho, predicted=c / (4 * d), error=abs(ortho * 4 * d / c - 1),
                tolerance=1e-8, why="exact at any d, as above"))
        m = int(group["n_samples"].iloc[0])
        k1_quad = ev[(ev["kernel"] == "k1") & (ev["estimator"] == "quadrature")]
        top_k1 = float(k1_quad["value"].max())
        # Cross-mode terms of the U-statistic: a -(E f^4/E[f^2]^2 - 1)/m = -2/m bias for a Gaussian
        # candidate, and fluctuations ~ sqrt(2) lambda_top / m that the jackknife does not see.
        sampling = 2 / m + 3 * math.sqrt(2) * top_k1 / (m * quad)
        for estimator in ("rayleigh", "gram"):
            sel = ev[(ev["kernel"] == "k1") & (ev["estimator"] == estimator)
                     & (ev["mode"] == "boosted_linear")]
            if len(sel) != 1:
                continue
            value, stderr = float(sel["value"].iloc[0]), float(sel["stderr"].iloc[0])
            rows.append(claim_row(
                f"linear_boost_{estimator}",
                f"{estimator} estimate of the boosted linear eigenvalue matches the population",
                point, measured=value, predicted=quad, error=abs(value / quad - 1),
                tolerance=3 * stderr / quad + sampling + 2e-3,
                why=f"3 standard errors of the {estimator} estimate, plus the O(1/m) cross-mode "
                    "bias and spread 2/m + 3 sqrt(2) lambda_top/(m lambda) (m fresh samples), plus "
                    "2e-3 for the quadrature eigenfunction used as candidate (node convergence)"))
        ortho_k1 = _pick(ev, kernel="k1", estimator="quadrature", mode="orthogonal_linear")
        ortho_k0 = _pick(ev, kernel="k0", estimator="quadrature", mode="orthogonal_linear")
        boost_k0 = _pick(ev, kernel="k0", estimator="quadrature", mode="boosted_linear")
        rows.append(claim_row(
            "selective_amplification",
            "boost along h_hat (k1/k0) far exceeds the change of orthogonal linear modes", point,
            measured=quad / boost_k0, predicted=ortho_k1 / ortho_k0,
            error=(ortho_k1 / ortho_k0) / (quad / boost_k0), tolerance=0.5,
            why="threshold claim, not an estimate (exact quadrature, no noise): the orthogonal "
                "modes must move by less than half the target-aligned boost; 0.5 separates "
                "'selective' (relu theory: c/(c + d theta) = O(1/d)) from a uniform rescaling "
                "(ratio 1)"))
        top = ev[(ev["kernel"] == "k1") & (ev["mode"] == "top_even")]
        if top.empty:  # odd activations (tanh, erf) have no even modes at all
            continue
        top_quad = _pick(top, estimator="quadrature")
        top_theory = _pick(top, estimator="theory", variant="large_step")
        rows.append(claim_row(
            "top_mode_theory", "top (radial) eigenvalue of k1 (large-step theory)", point,
            measured=top_quad, predicted=top_theory, error=abs(top_quad / top_theory - 1),
            tolerance=1 / d, why="no noise: the O(1/d) bias of the leading-order large-step "
                                 "theory (coefficient <= 0.3 measured), bounded by 1/d"))
        mix = group[(group["quantity"] == "overlap_he2_kappa") & (group["kernel"] == "k1")
                    & (group["mode"] == "top_even")]
        mix_quad = _pick(mix, estimator="quadrature")
        mix_theory = _pick(mix, estimator="theory", variant="large_step")
        rows.append(claim_row(
            "top_mode_mixing", "top eigenfunction overlaps He2(kappa)/sqrt(2) as predicted",
            point, measured=mix_quad, predicted=mix_theory, error=abs(mix_quad - mix_theory),
            tolerance=1 / d, why="no noise: the O(1/d) bias of the leading-order large-step "
                                 "theory (coefficient <= 0.3 measured), bounded by 1/d"))
        if "gram" in set(mix["estimator"]):
            m = int(group["n_samples"].iloc[0])
            mix_gram = _pick(mix, estimator="gram")
            rows.append(claim_row(
                "top_mode_mixing_gram", "the Gram top eigenvector shows the same He2 overlap",
                point, measured=mix_gram, predicted=mix_quad, error=abs(mix_gram - mix_quad),
                tolerance=3 / math.sqrt(m),
                why="overlaps of an outlier eigenvector fluctuate by O(m^-1/2)"))
    for student, group in gap[gap["reference"] == "k1_est"].groupby("student"):
        slope, stderr, fit_se, spread_se = common_slope(group["n_neurons"], group["gap"],
                                                        groups=group["d"])
        rows.append(claim_row(
            "kernel_gap", "RF kernel of W1 -> spiked Gaussian kernel as N grows",
            f"{student} student, d={sorted(int(v) for v in group['d'].unique())}", measured=slope,
            predicted=-0.5, error=abs(slope + 0.5), tolerance=3 * stderr + 0.03,
            why=f"3 standard errors ({stderr:.2g}) of the log-log slope of the gap against N' "
                f"(one intercept per d; the larger of the residual se {fit_se:.2g} and the "
                f"between-d se {spread_se:.2g}), plus a stated 0.03 bias: k1_est is fitted to "
                "the same rows, so E gap^2 = V/N' - V_P/N (steeper; both ~1/d, so d-independent; "
                "-0.025 for tanh over 20 seeds at d=75), a non-i.i.d. floor flattens it"))
    for student, group in validation.groupby("student"):
        m, draws = int(group["n_samples"].iloc[0]), group["draw"].nunique()
        errors = group.groupby(["sector", "parity", "index"])["rel_err_corrected_mp"].mean().abs()
        rows.append(claim_row(
            "sector_quadrature_vs_gram",
            "sector quadrature = large-m Gram eigenvalues (fluctuation- and MP-corrected)",
            f"{student} student, d={int(group['d'].iloc[0])}, m={m}, {draws} draws",
            measured=float(errors.max()), predicted=0.0, error=float(errors.max()),
            tolerance=0.01 * math.sqrt(4000 / m),
            why="1% at m = 4000 (acceptance), scaled like the m^-1/2 sampling error"))
    return rows


# ---------------------------------------------------------------- input-space view (issue 10)

# Accuracy of the Gram code itself for activations without a closed form (onestep.kernels.series,
# .pairs): series tail 1e-12 per side, 2-D quadrature (64 nodes, q <= 250) 1e-11 for the pairs that
# only one side routes there (|rho0| > 1/2 of A x, A x' but not of x_perp, x'_perp).
_GRAM_METHOD_ACCURACY = 2e-12 + 1e-11


def _slope_fit(x, y) -> tuple[float, float]:
    """Log-log least-squares slope and its standard error from the residuals (0 for 2 points)."""
    lx, ly = np.log(np.asarray(x, dtype=float)), np.log(np.asarray(y, dtype=float))
    slope, intercept = np.polyfit(lx, ly, 1)
    resid = ly - (slope * lx + intercept)
    dof = len(lx) - 2
    var = float(resid @ resid) / dof / float(np.sum((lx - lx.mean()) ** 2)) if dof > 0 else 0.0
    return float(slope), math.sqrt(var)


def input_space_claims(gap: pd.DataFrame) -> list[dict]:
    """Claim 2b (input-space view, docs/THEORY.md 3.7): ``k1(x, x') = k0(A x, A x')`` on the
    kernel-gap test points, and the RF kernel of W1 on x against isotropic rows on ``A x``."""
    rows = []
    eps = float(np.finfo(np.float64).eps)
    for student, group in gap.groupby("student"):
        dims = sorted(int(v) for v in group["d"].unique())
        point = f"{student} student, d={dims}"
        error = float(group["input_gram_error"].max())
        method = 0.0 if student in CLOSED_FORMS else _GRAM_METHOD_ACCURACY
        rows.append(claim_row(
            "input_space_gram", "Gram of k1 on X = Gram of k0 on A X, A = sqrt(d Sigma_hat)",
            point, measured=error, predicted=0.0, error=error,
            tolerance=32 * max(dims) * eps + method,
            why="exact identity, round-off only: 2 sides x (kappa_p + 2 kappa_q) x d eps (forward "
                "error of a d-term dot product; condition factors 1 and 1/2 for relu, <= 2.9 and "
                "3.4 for tanh at q = x^T Sigma x <= 20) <= 32 d eps; plus, without a closed form, "
                "the series tail (1e-12 per side) and 2-D quadrature (1e-11) accuracy of the Gram "
                "code"))
        iso = group[group["reference"] == "rf_iso_Ax"]
        fits = [_slope_fit(g["n_neurons"], g["gap"]) for _, g in iso.groupby("d")]
        slopes, within = np.array([f[0] for f in fits]), np.array([f[1] for f in fits])
        slope, n_d = float(np.mean(slopes)), len(slopes)
        between = float(np.std(slopes, ddof=1) / math.sqrt(n_d))
        stderr = max(between, 2 * float(np.sqrt(np.sum(within**2))) / n_d)
        rows.append(claim_row(
            "input_space_rf_kernel",
            "RF kernel of W1 on x -> RF kernel of isotropic rows on A x: gap falls like N'^-1/2",
            point, measured=slope, predicted=-0.5, error=abs(slope + 0.5),
            tolerance=min(3 * stderr, 0.15),
            why="mean over d of the log-log slope of ||K_W1 - K_iso(A x)||_F / ||k1||_F against "
                "N'; 3 standard errors of that mean, the larger of the spread of the per-d "
                "slopes and 2x their least-squares standard errors (nested first-N' subsets: the "
                "residuals understate the slope's spread by 1.7x, measured over 40 Gaussian-row "
                "draws), capped at the kernel_gap allowance 0.15; no bias term: under the claim "
                "both RF kernels have the same limit (a floor would flatten the slope)"))
    return rows
