"""Config validation: a bad value stops the workflow before any job, naming key and value."""

import pytest

from conftest import REPO, run_snakemake, write_config


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"spike": {"d": -5}}, ["'spike'", "'d'", "-5"]),
        ({"model": {"psi": 0}}, ["'model'", "'psi'", "0"]),
        ({"spike": {"eta_t": []}}, ["'spike'", "'eta_t'", "[]"]),
        ({"spike": {"students": ["softplus"]}}, ["'students'", "softplus"]),
        ({"model": {"second_layer": "uniform"}}, ["'second_layer'", "uniform"]),
        ({"model": {"teacher": "hermite(0,0)"}}, ["model.teacher", "hermite(0,0)"]),
        ({"seeds": [0, 0]}, ["'seeds'", "[0, 0]"]),
        ({"device": "tpu"}, ["'device'", "tpu"]),
    ],
)
def test_bad_config_is_rejected_with_key_and_value(tmp_path, override, expected):
    bad = write_config(tmp_path / "bad.yaml", override)
    proc = run_snakemake(REPO, "-n", "--configfile", str(bad), check=False)
    message = proc.stdout + proc.stderr
    assert proc.returncode != 0
    for fragment in expected:
        assert fragment in message, (fragment, message[-2000:])
    assert "Building DAG of jobs" not in message  # stopped before any planning
