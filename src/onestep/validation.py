"""Config validation: a bad config is rejected before any job, in one line.

:func:`validate_config` rejects a bad config before any job (before the DAG is built) with one
line naming the key, the value and what is allowed: it runs the JSON schema
(``schemas/config.schema.yaml``) itself, with strict integers (``1.0`` and ``True`` are not
integers), rejects non-finite numbers anywhere (schema bounds do not catch NaN), then checks what a
schema cannot say: activation names parse, teachers and students carry Hermite mass beyond order
0, no duplicate students, every simulated point has N, n >= 2, every kernel-gap width N' and every
training size n_train >= 2 (the stages would otherwise clamp them and mislabel the result), and
sweeps give the fits and claims at least the values they need, and ``learning.methods`` keeps a
method after ``learning.spiked_beta: false`` drops ``krr_beta``. :func:`coerce_cli_values` turns the
strings that ``--config key={...}`` passes for nested values into numbers.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from pathlib import Path

import jsonschema
import yaml

from .activations import ACTIVATION_NAMES, get_activation

__all__ = ["SCHEMA_PATH", "ConfigError", "validate_config", "coerce_cli_values"]

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "config.schema.yaml"
_HERMITE = re.compile(r"^hermite\((.*)\)$")
_MAX_COEFFICIENT, _MAX_DEGREE, _MIN_MASS = 1e3, 20, 1e-6


class ConfigError(ValueError):
    """A bad config; the message is one line naming the key, the value and what is allowed."""


def _where(path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _num(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _fail(path, value, problem: str, expected: str | None = None):
    message = f"config key '{_where(path)}' = {_show(value)}: {problem}"
    raise ConfigError(message + (f"; expected {expected}" if expected else ""))


# --- the schema, with short messages -------------------------------------------------------------

@functools.lru_cache(maxsize=4)
def _load(schema_path: str):
    schema = yaml.safe_load(Path(schema_path).read_text())
    base = jsonschema.Draft202012Validator
    strict = base.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool))
    return schema, jsonschema.validators.extend(base, type_checker=strict)(schema)


def _resolve(root: dict, node: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        node = functools.reduce(lambda n, k: n[k], node["$ref"].lstrip("#/").split("/"), root)
    return node


def _node(root: dict, path) -> dict:
    node = root
    for part in path:
        node = _resolve(root, node)
        node = node.get("items", {}) if isinstance(part, int) else \
            node.get("properties", {}).get(part, {})
    return _resolve(root, node)


def _bounds(node: dict, name: str) -> str:
    low = [f"{_num(node[k])} {op} " for k, op in (("minimum", "<="), ("exclusiveMinimum", "<"))
           if k in node]
    high = [f" {op} {_num(node[k])}" for k, op in (("maximum", "<="), ("exclusiveMaximum", "<"))
            if k in node]
    if low and not high:
        op, value = low[0].split()[1], low[0].split()[0]
        return f"{name} {'>=' if op == '<=' else '>'} {value}"
    return f"{''.join(low[:1])}{name}{''.join(high[:1])}" if low or high else ""


def _expected(root: dict, path) -> str:
    """What the schema allows at ``path``, in words."""
    node = _node(root, path)
    names = [p for p in path if isinstance(p, str)]
    name = names[-1] if names else "config"
    kind = node.get("type")
    if "enum" in node:
        return "one of " + ", ".join(repr(v) for v in node["enum"])
    if kind == "array":
        items = _expected(root, [*path, 0])
        count = node.get("minItems", 0)
        head = f"a list of at least {count}" if count else "a list of"
        why = f" ({node['description']})" if "description" in node else ""
        return f"{head}{' distinct' if node.get('uniqueItems') else ''} values, each {items}{why}"
    if kind in ("integer", "number"):
        bounds = _bounds(node, name)
        why = f" ({node['description']})" if "description" in node else ""
        what = "an integer" if kind == "integer" else "a finite number"
        return f"{what}{' ' + bounds if bounds else ''}{why}"
    if kind == "object":
        return "a mapping with keys " + ", ".join(node.get("properties", {}))
    if kind == "boolean":
        return "true or false"
    return node.get("description", f"a {kind}" if kind else "nothing (unknown key)")


def _schema_problem(error, root: dict):
    path, value, rule = list(error.absolute_path), error.instance, error.validator
    if rule == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        key = next(k for k in value if k not in allowed)
        close = difflib.get_close_matches(str(key), allowed, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        head, _, tail = str(key).partition(".")
        if ":" in str(key):
            hint = f" (YAML needs a space after the colon: {str(key).replace(':', ': ', 1)})"
        elif tail and head in allowed:
            hint = (f" (a dotted key is not a nested key: write {head}: {{{tail}: ...}} in a "
                    f"--configfile, or --config '{head}={{{tail}: ...}}')")
        raise ConfigError(f"config key '{_where([*path, key])}' is not allowed{hint}; "
                          f"expected one of {', '.join(allowed)}")
    if rule == "required":
        key = next(k for k in error.validator_value if k not in value)
        raise ConfigError(f"config key '{_where([*path, key])}' is missing; expected "
                          f"{_expected(root, [*path, key])}")
    if not path and not isinstance(value, dict):
        raise ConfigError(f"config = {_show(value)}: expected a mapping of "
                          f"{', '.join(root['properties'])}")
    problem = {"type": f"wrong type ({type(value).__name__})", "enum": "not allowed",
               "anyOf": "not allowed", "pattern": "not recognised",
               "uniqueItems": "has duplicate values",
               "minItems": f"too few values ({len(value) if hasattr(value, '__len__') else 0})"}
    _fail(path, value, problem.get(rule, "out of range"), _expected(root, path))


def _check_finite(value, path, root: dict) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        _fail(path, value, "not a finite number", _expected(root, path))
    if isinstance(value, dict):
        for key, item in value.items():
            _check_finite(item, [*path, key], root)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_finite(item, [*path, i], root)


# --- what a schema cannot say --------------------------------------------------------------------

def _activation(name: str, path, *, teacher: bool) -> tuple:
    """Parse an activation name; return its identity (for duplicates)."""
    allowed = ", ".join(ACTIVATION_NAMES)
    match = _HERMITE.match(name.strip().lower())
    if match:
        try:
            coefficients = [float(c) for c in match.group(1).split(",") if c.strip()]
        except ValueError:
            coefficients = None
        if not coefficients:
            _fail(path, name, "cannot read the Hermite coefficients", "hermite(c0,c1,...) "
                  "with numbers c_k")
    else:
        try:
            coefficients = get_activation(name, key=_where(path)).hermite_coefficients
        except ValueError:
            _fail(path, name, "unknown activation", f"one of {allowed}")
    if coefficients is None:  # relu, tanh, erf
        return (name,)
    if len(coefficients) > _MAX_DEGREE + 1:
        _fail(path, name, f"degree {len(coefficients) - 1} is too high",
              f"at most {_MAX_DEGREE + 1} coefficients (degree <= {_MAX_DEGREE})")
    if not all(math.isfinite(c) and abs(c) <= _MAX_COEFFICIENT for c in coefficients):
        _fail(path, name, "a Hermite coefficient is not finite or overflows",
              f"|c_k| <= {_MAX_COEFFICIENT:g}")
    mass = sum(c * c for c in coefficients[1:])
    if mass < _MIN_MASS:
        why = ("the labels carry no signal along beta, so there is no spike direction" if teacher
               else "then s' = 0 and the step does nothing")
        _fail(path, name, f"no Hermite mass beyond order 0 (sum_(k>=1) c_k^2 = {mass:.3g}: a "
              f"constant or vanishing function; {why})", f"sum_(k>=1) c_k^2 >= {_MIN_MASS:g}")
    mu1 = coefficients[1] if len(coefficients) > 1 else 0.0
    if not teacher and abs(mu1) < math.sqrt(_MIN_MASS):
        _fail(path, name, f"mu1 = E[s'(G)] = {mu1:g}: the step has no spike (theta = eta_t^2 "
              "mu1^2 (...) = 0) and the spike and kernel claims divide by theta",
              f"a student with |mu1| >= {math.sqrt(_MIN_MASS):g} (relu, tanh, erf, linear, or "
              "hermite(c0,c1,...) with |c1| >= 0.001)")
    while coefficients and coefficients[-1] == 0:
        coefficients = coefficients[:-1]
    return tuple(coefficients)


def _check_activations(config: dict) -> None:
    _activation(config["model"]["teacher"], ["model", "teacher"], teacher=True)
    _activation(config["spike"]["shape"]["student"], ["spike", "shape", "student"], teacher=False)
    for stage in (("spike",), ("kernels",), ("learning",)):
        names = config[stage[0]]["students"]
        seen = {}
        for i, name in enumerate(names):
            identity = _activation(name, [*stage, "students", i], teacher=False)
            if identity in seen:
                _fail([*stage, "students"], names, f"{names[seen[identity]]!r} and {name!r} are "
                      "the same activation", "distinct students")
            seen[identity] = i


def _stage_dimensions(config: dict) -> list[tuple[str, int]]:
    spike = config["spike"]
    finite = [("spike.finite_size.d", d) for d in spike["finite_size"]["d"]]
    return [("spike.d", spike["d"]), *finite, ("spike.shape.d", spike["shape"]["d"]),
            ("kernels.d", config["kernels"]["d"]), ("learning.d", config["learning"]["d"])]


def _check_sizes(config: dict) -> None:
    """N, n >= 2 at every simulated d; N' and n_train >= 2 where the stages would clamp them."""
    model = config["model"]
    for key, symbol, noun in (("phi", "N", "neurons"), ("psi", "n", "samples")):
        for where, d in _stage_dimensions(config):
            count = round(model[key] * d)
            if count < 2:
                _fail(["model", key], model[key], f"gives {symbol} = round({key} d) = {count} "
                      f"{noun if count != 1 else noun[:-1]} at {where} = {d}",
                      f"{key} >= {1.5 / d:.4g} so that {symbol} >= 2 at every simulated d")
    fractions = config["kernels"]["gap"]["neuron_fractions"]
    for d in config["spike"]["finite_size"]["d"]:  # the kernel gap runs on the finite-size points
        width = round(model["phi"] * d)
        for i, fraction in enumerate(fractions):
            count = round(fraction * width)
            if count < 2:
                _fail(["kernels", "gap", "neuron_fractions", i], fraction, f"gives N' = round(f N) "
                      f"= {count} neuron(s) at spike.finite_size.d = {d} (N = {width})",
                      f"f >= {1.5 / width:.4g} so that N' >= 2 (no silent clamping)")
        if len({round(f * width) for f in fractions}) < 2:
            _fail(["kernels", "gap", "neuron_fractions"], fractions, f"gives a single width N' at "
                  f"spike.finite_size.d = {d} (N = {width})", "at least 2 distinct N' for the "
                  "N'^-1/2 slope fit")
    learning = config["learning"]
    for i, alpha in enumerate(learning["alpha"]):
        count = round(alpha * learning["d"])
        if count < 2:
            _fail(["learning", "alpha", i], alpha, f"gives n_train = round(alpha d) = {count} at "
                  f"learning.d = {learning['d']}", f"alpha >= {1.5 / learning['d']:.4g} so that "
                  "n_train >= 2 (no silent clamping)")
    if max(learning["alpha"]) < 1:
        _fail(["learning", "alpha"], learning["alpha"], "has no alpha >= 1",
              "at least one alpha >= 1 (the eigenlearning claims are checked at alpha >= 1)")
    kernels = config["kernels"]
    for where, m in (("kernels.n_samples", kernels["n_samples"]),
                     ("kernels.small_d.n_samples", kernels["small_d"]["n_samples"])):
        if kernels["n_eigs"] >= m:
            _fail(["kernels", "n_eigs"], kernels["n_eigs"], f"not below {where} = {m}",
                  f"n_eigs < {m} (top eigenpairs of the m x m Gram matrix, m = {m})")


def _check_links(config: dict) -> None:
    kernels = config["kernels"]
    if kernels["spectrum_eta_t"] not in kernels["eta_t"]:
        _fail(["kernels", "spectrum_eta_t"], kernels["spectrum_eta_t"], "not a kernel step",
              f"one of kernels.eta_t = {kernels['eta_t']}")
    if kernels["seed"] not in config["seeds"]:
        _fail(["kernels", "seed"], kernels["seed"], "not a simulated seed",
              f"one of seeds = {config['seeds']}")
    methods = config["learning"]["methods"]
    if not config["learning"]["spiked_beta"] and set(methods) == {"krr_beta"}:
        _fail(["learning", "methods"], methods, "leaves no method: learning.spiked_beta = false "
              "drops krr_beta", "another method too, or learning.spiked_beta: true")


def validate_config(config, *, schema_path=SCHEMA_PATH) -> None:
    """Reject a bad config with a one-line :class:`ConfigError` naming key, value and range.

    Parameters
    ----------
    config : dict
        The merged config (``config.yaml`` with ``--configfile``/``--config`` overrides).
    schema_path : path-like, optional
        The JSON schema (YAML).

    Raises
    ------
    ConfigError
        (a ``ValueError``) for the first problem found: unknown or missing keys, non-finite
        numbers, wrong types or ranges, then the semantic checks of this module.
    """
    root, validator = _load(str(schema_path))
    if not isinstance(config, dict):
        raise ConfigError(f"config = {_show(config)}: expected a mapping of "
                          f"{', '.join(root['properties'])}")
    errors = list(validator.iter_errors(config))
    for rule in ("additionalProperties", "required"):
        for error in errors:
            if error.validator == rule:
                _schema_problem(error, root)
    _check_finite(config, [], root)
    if errors:
        _schema_problem(min(errors, key=lambda e: len(e.absolute_path)), root)
    _check_activations(config)
    _check_links(config)
    _check_sizes(config)


def _parse_cli(value):
    if isinstance(value, list):
        return [_parse_cli(v) for v in value]
    if isinstance(value, dict):
        return {k: _parse_cli(v) for k, v in value.items()}
    if not isinstance(value, str):
        return value
    for parse in (int, float):
        try:
            return parse(value)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(value.strip().lower(), value)


def coerce_cli_values(config: dict, overrides) -> dict:
    """Type the values ``--config`` gave as strings, in place; return ``config``.

    Snakemake parses a top-level ``--config key=3`` as a number but reads lists and mappings
    (``--config 'seeds=[0,1]' 'learning={d: 100}'``) with YAML's base loader, which leaves every
    scalar a string. Each string at a path given by ``overrides`` (the ``--config`` mapping,
    ``workflow.config_settings.config``) that reads as an int, a float or true/false becomes one;
    anything else is left for :func:`validate_config` to judge. Strings from config files are not
    touched.
    """
    def walk(target, source):
        for key, value in source.items():
            if key not in target:
                continue
            if hasattr(value, "items") and isinstance(target[key], dict):
                walk(target[key], value)
            else:
                target[key] = _parse_cli(target[key])
    walk(config, overrides)
    return config
