"""The conda environment for --sdm conda pins exactly what pyproject.toml pins."""

import re
import tomllib

import yaml

from conftest import REPO


def _pyproject_pins() -> dict:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = {}
    for requirement in project["dependencies"]:
        name, _, version = requirement.partition("==")
        assert version, f"pyproject dependency {requirement!r} is not pinned with =="
        pins[name.strip().lower()] = version.strip()
    return pins


def test_conda_env_matches_pyproject():
    env = yaml.safe_load((REPO / "envs" / "pipeline.yaml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda_pins = dict(line.lower().split("==") for line in pip_section)
    assert conda_pins == _pyproject_pins()


def test_every_rule_uses_the_pinned_env():
    for smk in (REPO / "rules").glob("*.smk"):
        text = smk.read_text()
        rules = re.findall(r"^rule \w+:", text, flags=re.M)
        assert len(rules) == len(re.findall(r"^    conda:", text, flags=re.M)), smk.name
