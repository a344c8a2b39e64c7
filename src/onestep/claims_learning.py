"""The learning-stage claims: ordering, eigenlearning, and the network against its sRF theory.

Same row format and tolerance policy as :mod:`onestep.claims` (docs/THEORY.md section 6).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .claims import claim_row

__all__ = ["learning_claims", "network_theory_claims"]


def learning_claims(curves: pd.DataFrame, theory: pd.DataFrame) -> list[dict]:
    """Claim 5 (learning curves): ordering after a large step and eigenlearning agreement.

    Only the claims whose methods were fitted (``learning.methods``, the ``method`` column of
    ``curves``): ``ordering_rf_post_vs_rf_init`` needs rf_post and rf_init; the kernel ordering
    and ``gain_needs_large_step`` need krr_k1 and krr_k0; ``eigenlearning_<kernel>`` needs that
    kernel (its theory is computed for the fitted kernels only). ``onestep.verdict`` mirrors this.
    """
    rows = []
    means = curves.groupby(["student", "eta_t", "alpha", "method"])["test_mse"].agg(["mean", "sem"])
    large, small = curves["eta_t"].max(), curves["eta_t"].min()
    alpha, d = curves["alpha"].max(), int(curves["d"].iloc[0])
    present = set(curves["method"])
    kernels = {"krr_k1", "krr_k0"} <= present
    pairs = [p for p in (("rf_post", "rf_init"), ("krr_k1", "krr_k0")) if set(p) <= present]
    for student in sorted(curves["student"].unique()):
        m = means.loc[(student, large, alpha)]
        for better, worse in pairs:
            ratio = m.loc[better, "mean"] / m.loc[worse, "mean"]
            # one seed: no spread to estimate, the ratio itself must stay below 1
            sem = m["sem"].fillna(0.0)
            ratio_se = ratio * math.hypot(sem[better] / m.loc[better, "mean"],
                                          sem[worse] / m.loc[worse, "mean"])
            rows.append(claim_row(
                f"ordering_{better}_vs_{worse}",
                f"test MSE ratio {better}/{worse} < 1 after a large step",
                f"{student} student, eta_t={large:g}, alpha={alpha:g}",
                measured=ratio, predicted=1.0, error=ratio + 3 * ratio_se, tolerance=1.0,
                why="the ratio plus 3 standard errors (seeds) must stay below 1"))
        if kernels:
            gains = {}
            for eta in (small, large):
                g = means.loc[(student, eta, alpha)]
                gains[eta] = 1 - g.loc["krr_k1", "mean"] / g.loc["krr_k0", "mean"]
            rows.append(claim_row(
                "gain_needs_large_step", "KRR k1's gain over k0 comes from the large step",
                f"{student} student, eta_t={small:g} vs {large:g}, alpha={alpha:g}",
                measured=gains[small], predicted=gains[large], error=gains[small] / gains[large],
                tolerance=0.5,
                why="threshold claim, not an estimate: the small step must buy less than half "
                    "of the large step's relative gain 1 - mse(k1)/mse(k0); theory puts the ratio "
                    "near 0 (theta << c/d at the small step), a step-independent gain would give "
                    "1, and 0.5 is the midpoint"))
        # k0 does not depend on the step: check it once
        for method, steps in (("krr_k1", (small, large)), ("krr_k0", (large,))):
            if method not in present:
                continue
            for eta in steps:
                sim = means.loc[(student, eta)].xs(method, level="method")["mean"]
                th = theory[(theory["student"] == student) & (theory["eta_t"] == eta)
                            & (theory["method"] == method)].sort_values("alpha")
                keep = sim.index >= 1.0
                predicted = np.interp(sim.index[keep], th["alpha"], th["test_mse"])
                rel = np.abs(sim.to_numpy()[keep] / predicted - 1)
                rows.append(claim_row(
                    f"eigenlearning_{method}", "KRR test error follows the eigenlearning theory",
                    f"{student} student, eta_t={eta:g}, alpha>=1",
                    measured=float(sim.to_numpy()[keep][-1]), predicted=float(predicted[-1]),
                    error=float(rel.max()), tolerance=2 / math.sqrt(sim.index[keep].min() * d),
                    why="eigenlearning is exact as n, d -> infinity; allow 2/sqrt(n) at the "
                        "smallest n checked (O(n^-1/2) corrections plus the seed spread)"))
    return rows


def network_theory_claims(curves: pd.DataFrame, theory: pd.DataFrame, *, n_test: int) -> list[dict]:
    """Claim 5b: ridge on the network's features follows the sRF theory of its drawn weights.

    One row per student and step for ``rf_post`` and one per student for ``rf_init`` (the
    initial features do not depend on the step). Per seed and alpha, the relative deviation
    ``sim / theory - 1`` is paired (same weights); the worst alpha's ``|mean| - 3 se`` must stay
    below the finite-width bias ``1/sqrt(N)`` (docs/THEORY.md section 5c).
    """
    keys = ["student", "eta_t", "seed", "alpha", "method"]
    paired = curves.merge(theory[keys + ["theory_mse"]], on=keys, how="inner")
    paired["rel"] = paired["test_mse"] / paired["theory_mse"] - 1
    rows = []
    for (student, method), group in paired.groupby(["student", "method"]):
        steps = sorted(group["eta_t"].unique()) if method == "rf_post" else [group["eta_t"].min()]
        for eta in steps:
            sel = group[group["eta_t"] == eta]
            seeds, n_neurons = sel["seed"].nunique(), float(sel["phi"].iloc[0] * sel["d"].iloc[0])
            stats = sel.groupby("alpha")["rel"].agg(["mean", "std"])
            # one seed: the per-seed spread law instead (test-set noise sqrt(2/n_test), and the
            # O(N^-1/2) fluctuation of the training draw), else the seeds' own spread
            law = math.sqrt(2 / n_test + 1 / n_neurons)
            se = (stats["std"] if seeds > 1 else pd.Series(law, stats.index)) / math.sqrt(seeds)
            excess = stats["mean"].abs() - 3 * se
            worst = excess.idxmax()
            pick = sel[sel["alpha"] == worst]
            rows.append(claim_row(
                f"network_theory_{method}",
                f"ridge on {'post-step' if method == 'rf_post' else 'initial'} features follows "
                "the sRF theory of the drawn weights",
                f"{student} student, eta_t={eta:g}, d={int(sel['d'].iloc[0])}, {seeds} seeds, "
                f"worst alpha={worst:g}",
                measured=pick["test_mse"].mean(), predicted=pick["theory_mse"].mean(),
                error=float(excess.max()), tolerance=1 / math.sqrt(n_neurons),
                why="at every alpha, |mean relative deviation| minus 3 standard errors (paired "
                    "over seeds) within the O(N^-1/2) finite-width bias of Gaussian equivalence"))
    return rows
