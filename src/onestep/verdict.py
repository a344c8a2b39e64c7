"""The verdict of ``snakemake check``: validate the claims table itself, then judge it.

A damaged claims table must not pass: a CSV cut inside a row reads back with NaN cells (and NaN
is truthy, so ``astype(bool)`` would count it as passed), a missing row is a claim never checked.
:func:`validate_claims` therefore requires every column of :data:`COLUMNS`, ``passed`` a strict
boolean that agrees with ``error <= tolerance``, finite measured/predicted/error/tolerance, no
duplicate (claim, point) and exactly the claims :func:`expected_claims` derives from the config
(which claims ``onestep.claims`` emits for which students, laws and steps). Any violation raises
:class:`ClaimsTableError` with a message naming the rows.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from .activations import get_activation
from .claims import COLUMNS
from .config import learning_methods

__all__ = ["COLUMNS", "OPTIONAL_CLAIMS", "ClaimsTableError", "expected_claims", "read_claims",
           "validate_claims", "judge"]

NUMERIC = ("measured", "predicted", "error", "tolerance")
# Emitted only where the data allow it (a Gram outlier separated from the Marchenko-Pastur bulk).
OPTIONAL_CLAIMS = frozenset({"linear_boost_gram", "top_mode_mixing_gram"})


class ClaimsTableError(ValueError):
    """The claims table is damaged or incomplete; the message says how."""


def _is_odd(name: str) -> bool:
    act = get_activation(name, key="student")
    z = np.linspace(0.05, 8.0, 160)
    plus, minus = act.numpy(z), act.numpy(-z)
    return bool(np.max(np.abs(plus + minus)) <= 1e-12 * (np.max(np.abs(plus)) + 1e-300))


def expected_claims(config: dict) -> Counter:
    """The claims the pipeline emits for ``config``: a count per ``(claim, student)``.

    Mirrors ``onestep.claims``: the spike claims per ``spike.students`` (sweep and finite size),
    one shape claim per law for ``spike.shape.student``, the kernel-gap claim and the two
    input-space claims (``input_space_gram``, ``input_space_rf_kernel``) per ``spike.students``
    (the gap runs on the finite-size points), the kernel claims per
    ``kernels.students`` (relu adds its two exact claims; the top-mode claims need even modes, so
    odd students have none) and the learning claims per ``learning.students``, those whose methods
    are fitted (:func:`onestep.config.learning_methods`; as in ``learning_claims``; the
    network-theory claim of ``rf_post`` once per step, of ``rf_init`` once). Claims in
    :data:`OPTIONAL_CLAIMS` are not counted.
    """
    expected = Counter()
    spike = config["spike"]
    for student in spike["students"]:
        for claim in ("spike_strength", "spike_strength_given_draw", "bulk", "alignment",
                      "spike_convergence", "kernel_gap"):
            expected[(claim, student)] += 1
    for student in spike["students"]:  # input-space view, on the kernel-gap points
        expected.update({("input_space_gram", student): 1, ("input_space_rf_kernel", student): 1})
    for law in spike["shape"]["laws"]:
        expected[(f"spike_shape_{law}", spike["shape"]["student"])] += 1
    for student in config["kernels"]["students"]:
        claims = ["linear_boost_theory", "linear_boost_rayleigh", "selective_amplification",
                  "sector_quadrature_vs_gram"]
        if student == "relu":
            claims += ["relu_linear_boost_exact", "relu_orthogonal_linear_kept"]
        if not _is_odd(student):
            claims += ["top_mode_theory", "top_mode_mixing"]
        expected.update((claim, student) for claim in claims)
    methods = set(learning_methods(config))
    learning = {"ordering_rf_post_vs_rf_init": 1 if {"rf_post", "rf_init"} <= methods else 0,
                "ordering_krr_k1_vs_krr_k0": 1 if {"krr_k1", "krr_k0"} <= methods else 0,
                "gain_needs_large_step": 1 if {"krr_k1", "krr_k0"} <= methods else 0,
                # eigenlearning of k1 at the small and the large step, of k0 once
                "eigenlearning_krr_k1": 2 if "krr_k1" in methods else 0,
                "eigenlearning_krr_k0": 1 if "krr_k0" in methods else 0,
                # sRF theory of the network: rf_post at every step, rf_init once
                "network_theory_rf_post": len(config["learning"]["eta_t"]) * ("rf_post" in methods),
                "network_theory_rf_init": 1 if "rf_init" in methods else 0}
    for student in config["learning"]["students"]:
        expected.update({(claim, student): n for claim, n in learning.items() if n})
    return expected


def read_claims(path) -> pd.DataFrame:
    """Read the claims CSV; a file pandas cannot parse raises :class:`ClaimsTableError`."""
    try:
        return pd.read_csv(path)
    except FileNotFoundError:
        raise ClaimsTableError(f"claims table {str(path)!r} does not exist") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ClaimsTableError(f"claims table {str(path)!r} cannot be read: {error}") from None


def _rows(table: pd.DataFrame, mask) -> str:
    bad = table[mask]
    shown = [f"row {i}: {r.get('claim', '?')} [{r.get('point', '?')}]"
             for i, r in zip(bad.index[:5], bad.to_dict("records")[:5], strict=True)]
    more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
    return "; ".join(shown) + more


def _student(point) -> str:
    return str(point).split(" student", 1)[0]


def validate_claims(table: pd.DataFrame, *, expected: Counter | None = None) -> None:
    """Raise :class:`ClaimsTableError` unless ``table`` is a complete, well-formed claims table.

    Parameters
    ----------
    table : pandas.DataFrame
        The claims table, one row per claim (columns :data:`COLUMNS`).
    expected : collections.Counter, optional
        From :func:`expected_claims`; every expected ``(claim, student)`` must appear exactly as
        often, and no other claim may appear (except :data:`OPTIONAL_CLAIMS`).
    """
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise ClaimsTableError(f"claims table: missing columns {missing}")
    if table.empty:
        raise ClaimsTableError("claims table: no rows")
    for column in ("claim", "point"):
        bad = ~table[column].map(lambda v: isinstance(v, str) and bool(v.strip()))
        if bad.any():
            raise ClaimsTableError(f"claims table: empty '{column}' in {_rows(table, bad)}")
    strict = table["passed"].map(lambda v: isinstance(v, bool | np.bool_))
    if not strict.all():
        values = sorted({repr(v) for v in table.loc[~strict, "passed"]})
        raise ClaimsTableError(f"claims table: 'passed' must be True or False, found "
                               f"{', '.join(values)} in {_rows(table, ~strict)}")
    for column in NUMERIC:
        values = pd.to_numeric(table[column], errors="coerce")
        bad = ~np.isfinite(values.to_numpy(dtype=float))
        if bad.any():
            raise ClaimsTableError(f"claims table: '{column}' is not a finite number in "
                                   f"{_rows(table, bad)}")
    error, tolerance = table["error"].astype(float), table["tolerance"].astype(float)
    if (tolerance < 0).any():
        raise ClaimsTableError(f"claims table: negative tolerance in {_rows(table, tolerance < 0)}")
    inconsistent = table["passed"].astype(bool) != (error <= tolerance)
    if inconsistent.any():
        raise ClaimsTableError("claims table: 'passed' disagrees with error <= tolerance in "
                               f"{_rows(table, inconsistent)}")
    duplicated = table.duplicated(["claim", "point"], keep=False)
    if duplicated.any():
        raise ClaimsTableError(f"claims table: duplicate claims {_rows(table, duplicated)}")
    if expected is None:
        return
    found = Counter((claim, _student(point)) for claim, point in zip(table["claim"],
                                                                   table["point"], strict=True))
    found = Counter({k: v for k, v in found.items() if k[0] not in OPTIONAL_CLAIMS})
    absent, extra = expected - found, found - expected
    if absent:
        listed = ", ".join(f"{c} ({s}){f' x{n}' if n > 1 else ''}" for (c, s), n in absent.items())
        raise ClaimsTableError(f"claims table: {sum(absent.values())} expected claim(s) missing: "
                               f"{listed}")
    if extra:
        listed = ", ".join(f"{c} ({s})" for c, s in extra)
        raise ClaimsTableError(f"claims table: unexpected claim(s) for this config: {listed}")


def judge(table: pd.DataFrame) -> tuple[str, list[str]]:
    """The summary ``'k passed, m failed'`` and one line per failed claim (a validated table)."""
    failed = table[~table["passed"].astype(bool)]
    lines = [f"  {r.claim} [{r.point}]: error {r.error:.4g} > tolerance {r.tolerance:.4g} "
             f"(measured {r.measured:.4g}, predicted {r.predicted:.4g}; {r.why_tolerance})"
             for r in failed.itertuples()]
    return f"{len(table) - len(failed)} passed, {len(failed)} failed", lines
