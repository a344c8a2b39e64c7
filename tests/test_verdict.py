"""``check`` validates the claims table before judging it (issue 9): a good table passes; a table
cut inside a row, with NaN, a non-boolean ``passed``, a missing or extra claim, or ``passed``
inconsistent with error <= tolerance fails loudly."""

import copy
import math

import pandas as pd
import pytest
import yaml

from onestep.verdict import (
    COLUMNS,
    OPTIONAL_CLAIMS,
    ClaimsTableError,
    expected_claims,
    judge,
    read_claims,
    validate_claims,
)

from conftest import REPO

CONFIG = yaml.safe_load((REPO / "config.yaml").read_text())


def good_table(config=CONFIG, *, failing=()) -> pd.DataFrame:
    """One well-formed row per expected claim (the claims named in ``failing`` fail)."""
    rows = []
    for (claim, student), count in sorted(expected_claims(config).items()):
        for k in range(count):
            error, tolerance = (0.3, 0.1) if claim in failing else (0.01 * (k + 1), 0.1)
            rows.append({"claim": claim, "statement": "a statement, with a comma",
                         "point": f"{student} student, d=200, eta_t={k + 1:g}",
                         "measured": 1.0 + error, "predicted": 1.0, "error": error,
                         "tolerance": tolerance, "why_tolerance": "3 standard errors, say",
                         "passed": error <= tolerance})
    rows.append({"claim": "linear_boost_gram", "statement": "optional", "point": "relu student",
                 "measured": 1.0, "predicted": 1.0, "error": 0.0, "tolerance": 0.1,
                 "why_tolerance": "-", "passed": True})
    return pd.DataFrame(rows, columns=COLUMNS)


def roundtrip(table, tmp_path) -> pd.DataFrame:
    path = tmp_path / "claims.csv"
    table.to_csv(path, index=False)
    return read_claims(path)


def test_expected_claims_of_the_default_config():
    expected = expected_claims(CONFIG)
    # spike: 6 per student x 2; input space: 2 per student x 2; shape: 3 laws; kernels: relu 8,
    # tanh 4 (odd: no top mode); learning: 6 per student x 2; network theory: rf_post per step
    # (2) and rf_init once, per student x 2
    assert sum(expected.values()) == 12 + 4 + 3 + 12 + 12 + 6
    assert expected[("network_theory_rf_post", "relu")] == 2
    assert expected[("input_space_gram", "tanh")] == 1
    assert expected[("input_space_rf_kernel", "relu")] == 1
    assert expected[("top_mode_theory", "relu")] == 1
    assert ("top_mode_theory", "tanh") not in expected
    assert expected[("spike_shape_rademacher", "relu")] == 1
    assert not OPTIONAL_CLAIMS & {claim for claim, _ in expected}


def test_good_table_passes_and_failed_claims_are_listed(tmp_path):
    table = roundtrip(good_table(), tmp_path)
    validate_claims(table, expected=expected_claims(CONFIG))
    assert judge(table) == (f"{len(table)} passed, 0 failed", [])
    table = roundtrip(good_table(failing={"bulk"}), tmp_path)
    validate_claims(table, expected=expected_claims(CONFIG))  # failing is not damaged
    summary, lines = judge(table)
    assert summary == f"{len(table) - 2} passed, 2 failed" and all("bulk" in x for x in lines)


@pytest.mark.parametrize("back", [1, 5, 20, 40, 70, 100])
def test_table_cut_inside_a_row_fails(tmp_path, back):
    path = tmp_path / "claims.csv"
    table = good_table(failing={"ordering_krr_k1_vs_krr_k0"})
    table = pd.concat([table[table["passed"]], table[~table["passed"]]])  # failing rows last
    table.to_csv(path, index=False)
    text = path.read_text()
    path.write_text(text[: len(text.rstrip("\n")) - back])  # cut inside the last, failing row
    with pytest.raises(ClaimsTableError):
        validate_claims(read_claims(path), expected=expected_claims(CONFIG))


def test_table_cut_after_a_whole_row_fails_as_incomplete(tmp_path):
    table = good_table()
    with pytest.raises(ClaimsTableError, match="expected claim"):
        validate_claims(roundtrip(table.iloc[:-3], tmp_path), expected=expected_claims(CONFIG))


def damage(column, value, row=3):
    def apply(table):
        table = table.astype({column: object})
        table.loc[row, column] = value
        return table
    return apply


@pytest.mark.parametrize(
    ("label", "edit", "match"),
    [
        ("NaN passed", damage("passed", math.nan), "'passed' must be True or False"),
        ("string passed", damage("passed", "maybe"), "'passed' must be True or False"),
        ("number passed", damage("passed", 1), "'passed' must be True or False"),
        ("NaN measured", damage("measured", math.nan), "'measured' is not a finite"),
        ("inf predicted", damage("predicted", math.inf), "'predicted' is not a finite"),
        ("string tolerance", damage("tolerance", "wide"), "'tolerance' is not a finite"),
        ("NaN error", damage("error", math.nan), "'error' is not a finite"),
        ("inconsistent passed", damage("passed", False), "disagrees with error <= tolerance"),
        ("empty claim", damage("claim", math.nan), "empty 'claim'"),
        ("missing column", lambda t: t.drop(columns=["tolerance"]), "missing columns"),
        ("missing claim", lambda t: t[t["claim"] != "alignment"], "alignment"),
        ("extra claim", lambda t: pd.concat([t, t.iloc[[0]].assign(claim="invented")]),
         "unexpected claim"),
        ("duplicate row", lambda t: pd.concat([t, t.iloc[[0]]]), "duplicate"),
        ("no rows", lambda t: t.iloc[:0], "no rows"),
    ],
)
def test_damaged_table_fails(tmp_path, label, edit, match):
    table = roundtrip(edit(good_table()).reset_index(drop=True), tmp_path)
    with pytest.raises(ClaimsTableError, match=match):
        validate_claims(table, expected=expected_claims(CONFIG))


def test_expected_claims_follow_the_config(tmp_path):
    config = copy.deepcopy(CONFIG)
    config["kernels"]["students"] = ["tanh"]  # no relu-only claims, no top-mode claims
    expected = expected_claims(config)
    assert ("relu_linear_boost_exact", "relu") not in expected
    with pytest.raises(ClaimsTableError, match="unexpected claim"):
        validate_claims(roundtrip(good_table(), tmp_path), expected=expected)
    validate_claims(roundtrip(good_table(config), tmp_path), expected=expected)


def test_unreadable_or_absent_file_fails(tmp_path):
    with pytest.raises(ClaimsTableError, match="does not exist"):
        read_claims(tmp_path / "absent.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ClaimsTableError, match="cannot be read"):
        read_claims(tmp_path / "empty.csv")


def _check_run(tmp_path, table, *, cut=0):
    """Run the real ``check`` rule of a workflow copy on ``table`` (the tiny config)."""
    from conftest import copy_workflow, run_snakemake

    workdir = copy_workflow(tmp_path)
    tiny = REPO / "tests" / "config-tiny.yaml"
    (workdir / "results" / "tables").mkdir(parents=True)
    path = workdir / "results" / "tables" / "claims.csv"
    table.to_csv(path, index=False)
    if cut:
        path.write_text(path.read_text().rstrip("\n")[:-cut])
    proc = run_snakemake(workdir, "results/check.txt", "--cores", "1", "--configfile", str(tiny),
                         "--allowed-rules", "check", check=False)
    return proc, workdir / "results" / "check.txt"


def _tiny_config():
    from snakemake.utils import update_config

    config = copy.deepcopy(CONFIG)
    update_config(config, yaml.safe_load((REPO / "tests" / "config-tiny.yaml").read_text()))
    return config


def test_check_rule_fails_on_a_cut_table(tmp_path):
    table = good_table(_tiny_config(), failing={"bulk"})
    table = pd.concat([table[table["passed"]], table[~table["passed"]]])  # failing row last
    proc, verdict = _check_run(tmp_path, table, cut=8)
    assert proc.returncode != 0
    assert "damaged or incomplete claims table" in proc.stdout + proc.stderr
    assert not verdict.exists()


@pytest.mark.slow
def test_check_rule_passes_a_good_table(tmp_path):
    proc, verdict = _check_run(tmp_path, good_table(_tiny_config()))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert verdict.read_text().startswith("reproduction check: ")
