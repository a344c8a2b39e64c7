"""Config validation: a bad value stops the workflow before the DAG is built, in one line naming
the key, the value and the allowed range (issue 9). Hand-written hostile cases in-process, a few
real ``snakemake -n`` runs, ``--config`` typing, and the run-time guard on |h|."""

import copy

import pytest
import yaml
from snakemake.utils import update_config

from onestep.model import simulate_point
from onestep.validation import ConfigError, coerce_cli_values, validate_config

from conftest import REPO, run_snakemake, write_config

BASE = yaml.safe_load((REPO / "config.yaml").read_text())
NAN, INF = float("nan"), float("inf")


def merged(override: dict) -> dict:
    config = copy.deepcopy(BASE)
    update_config(config, override)
    return config


# (override, key named in the message, another fragment of the message): the cases of issue 9.
HOSTILE = [
    ({"model": {"phi": NAN}}, "model.phi", "not a finite number"),
    ({"model": {"tau": INF}}, "model.tau", "not a finite number"),
    ({"model": {"tau": 1e300}}, "model.tau", "tau <= 100"),
    ({"learning": {"ridge": INF}}, "learning.ridge", "not a finite number"),
    ({"learning": {"alpha": [0.5, NAN]}}, "learning.alpha[1]", "not a finite number"),
    ({"spike": {"eta_t": [1.0, -INF]}}, "spike.eta_t[1]", "not a finite number"),
    ({"model": {"teacher": "hermite(1e308,1e308)"}}, "model.teacher", "|c_k| <= 1000"),
    ({"model": {"teacher": "hermite(0.3)"}}, "model.teacher", "no Hermite mass beyond order 0"),
    ({"model": {"teacher": "hermite(0.3, 1e-9)"}}, "model.teacher", "beyond order 0"),
    ({"model": {"teacher": "hermite(0,0)"}}, "model.teacher", "beyond order 0"),
    ({"model": {"psi": 0.3}, "kernels": {"d": 4}}, "model.psi", "n = round(psi d) = 1"),
    ({"model": {"phi": 0.01}}, "model.phi", "N = round(phi d) = 1"),
    ({"learning": {"alpha": [1e-6, 1.0]}}, "learning.alpha[0]", "n_train = round(alpha d) = 0"),
    ({"learning": {"alpha": [0.25, 0.5]}}, "learning.alpha", "alpha >= 1"),
    ({"kernels": {"gap": {"neuron_fractions": [1e-9, 1.0]}}},
     "kernels.gap.neuron_fractions[0]", "N' = round(f N) = 0"),
    ({"kernels": {"gap": {"neuron_fractions": [0.999, 1.0]}}},
     "kernels.gap.neuron_fractions", "2 distinct N'"),
    ({"seeds": [0, 1.0]}, "seeds[1]", "wrong type (float)"),
    ({"seeds": [0, True]}, "seeds[1]", "wrong type (bool)"),
    ({"seeds": [0, 0]}, "seeds", "duplicate"),
    ({"spike": {"d": 800.0}}, "spike.d", "an integer"),
    ({"model": {"phi": True}}, "model.phi", "wrong type (bool)"),
    ({"spike": {"students": ["relu", "tanh", "relu"]}}, "spike.students", "duplicate"),
    ({"kernels": {"students": ["linear", "hermite(0, 1)"]}}, "kernels.students", "same activation"),
    ({"learning": {"students": ["tanh", "he2"]}}, "learning.students[1]", "mu1"),
    ({"spike": {"shape": {"student": "softplus"}}}, "spike.shape.student", "activation"),
    ({"spike": {"eta_t": [0, 1.0]}}, "spike.eta_t[0]", "eta_t = 0 takes no step"),
    ({"kernels": {"eta_t": [0.0, 1.5]}}, "kernels.eta_t[0]", "0 < eta_t"),
    ({"learning": {"eta_t": [3.0]}}, "learning.eta_t", "smallest and the largest step"),
    ({"spike": {"finite_size": {"d": [800]}}}, "spike.finite_size.d", "at least 2"),
    ({"kernels": {"n_eigs": 300, "n_samples": 300}}, "kernels.n_eigs", "n_eigs < 300"),
    ({"kernels": {"spectrum_eta_t": 2.5}}, "kernels.spectrum_eta_t", "one of kernels.eta_t"),
    ({"kernels": {"seed": 7}}, "kernels.seed", "one of seeds"),
    ({"spike": {"d": -5}}, "spike.d", "4 <= d <= 20000"),
    ({"spike": {"eta_t": []}}, "spike.eta_t", "at least 1"),
    ({"model": {"second_layer": "uniform"}}, "model.second_layer", "'gaussian'"),
    ({"device": "tpu"}, "device", "'cpu', 'cuda', 'auto'"),
    ({"lerning": {"d": 100}}, "lerning", "did you mean 'learning'?"),
    ({"learning.d": 100}, "learning.d", "learning: {d: ...}"),
]


@pytest.mark.parametrize(("override", "key", "fragment"), HOSTILE,
                         ids=[case[1] + ":" + case[2][:20] for case in HOSTILE])
def test_hostile_config_is_rejected_in_one_line(override, key, fragment):
    with pytest.raises(ConfigError) as caught:
        validate_config(merged(override))
    message = str(caught.value)
    assert f"config key '{key}'" in message, message
    assert fragment in message, message
    assert "\n" not in message


def test_missing_key_and_non_mapping_are_named():
    config = copy.deepcopy(BASE)
    del config["learning"]["ridge"]
    with pytest.raises(ConfigError, match=r"'learning\.ridge' is missing"):
        validate_config(config)
    with pytest.raises(ConfigError, match="expected a mapping"):
        validate_config(None)


@pytest.mark.parametrize("name", ["config.yaml", "tests/config-ci.yaml", "tests/config-tiny.yaml",
                                  "presets/cui2024.yaml"])
def test_shipped_configs_are_valid(name):
    validate_config(merged(yaml.safe_load((REPO / name).read_text())))


def test_cli_strings_are_typed_where_they_came_from():
    # what Snakemake passes for --config 'learning={d: 100, alpha: [0.5, 1]}' seeds=[0,1] tau=0.1
    cli = {"learning": {"d": "100", "alpha": ["0.5", "1"]}, "seeds": ["0", "1"], "device": "cpu"}
    config = merged(cli)
    config["model"]["teacher"] = "tanh"
    coerce_cli_values(config, cli)
    assert config["learning"]["d"] == 100 and isinstance(config["learning"]["d"], int)
    assert config["learning"]["alpha"] == [0.5, 1] and config["seeds"] == [0, 1]
    assert config["device"] == "cpu" and config["learning"]["ridge"] == BASE["learning"]["ridge"]
    validate_config(config)
    config = merged({"seeds": ["0", "1.0"]})
    coerce_cli_values(config, {"seeds": ["0", "1.0"]})
    with pytest.raises(ConfigError, match=r"'seeds\[1\]' = 1\.0"):
        validate_config(config)


def test_constant_teacher_raises_at_run_time():
    # |h| = 4e-17 of round-off passed the old exact == 0 guard and wrote gamma_hat = 0.49
    point = dict(d=40, phi=2.0, psi=2.0, eta_t=1.0, student="relu", tau=0.0,
                 second_layer="gaussian", weight_init="gaussian", input_law="gaussian",
                 center_labels=True, seed=0)
    with pytest.raises(ValueError, match="negligible against the label scale"):
        simulate_point(teacher="hermite(0.3)", **point)
    assert simulate_point(teacher="tanh", **point)["h_norm"] > 0.1


def _error_lines(proc) -> list[str]:
    info = ("Using workflow specific profile", "Config file ")
    return [line for line in (proc.stdout + proc.stderr).splitlines()
            if line.strip() and not line.startswith(info)]


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (("--configfile", "{bad}"), "model.phi"),  # phi: .nan in a config file
        (("--configfile", "{typo}"), "lerning"),
        (("--config", "model={psi: 0.3}", "kernels={d: 4}"), "model.psi"),  # typed from strings
        (("--config", "seeds=[0, 1.0]"), "seeds[1]"),
    ],
)
def test_snakemake_stops_before_the_dag_in_one_line(tmp_path, args, key):
    (tmp_path / "bad.yaml").write_text("model:\n  phi: .nan\n")
    write_config(tmp_path / "typo.yaml", {"lerning": {"d": 100}})
    files = {"{bad}": str(tmp_path / "bad.yaml"), "{typo}": str(tmp_path / "typo.yaml")}
    args = [files.get(a, a) for a in args]
    proc = run_snakemake(tmp_path, "-s", str(REPO / "Snakefile"), "-n", *args, check=False)
    lines = _error_lines(proc)
    assert proc.returncode != 0
    assert len(lines) <= 3, lines
    assert any(f"config key '{key}'" in line for line in lines), lines
    assert "Building DAG of jobs" not in proc.stdout + proc.stderr
    assert not (tmp_path / "results").exists()
