"""Fuzz the config validation: bad configs generated from the schema, every key and every kind of
bad value (wrong type, out of range, NaN, +-inf, huge, empty list, duplicates, float where int,
bool where number, unknown key, missing key, bad activation names), each rejected in-process by
``validate_config`` with a one-line message naming the offending key."""

import copy
import functools
import math

import pytest
import yaml

from onestep.validation import ConfigError, validate_config

from conftest import REPO

SCHEMA = yaml.safe_load((REPO / "schemas" / "config.schema.yaml").read_text())
BASE = yaml.safe_load((REPO / "config.yaml").read_text())
NAN, INF = float("nan"), float("inf")
BAD_ACTIVATIONS = ["softplus", "RELU", "hermite()", "hermite(a,b)", "hermite(0,0)",
                   "hermite(0.3)", "hermite(1e308,1e308)", "hermite(1e999)", 3, None]
BAD_STUDENTS = ["he2", "hermite(1,0,1)"]  # fine as teachers: mu1 = 0 gives a student no spike


def _resolve(node):
    while "$ref" in node:
        node = functools.reduce(lambda n, k: n[k], node["$ref"].lstrip("#/").split("/"), SCHEMA)
    return node


def _nodes(node=SCHEMA, path=()):
    """Every key of the schema: (path, resolved node)."""
    node = _resolve(node)
    if path:
        yield path, node
    for key, child in node.get("properties", {}).items():
        yield from _nodes(child, (*path, key))


def _dotted(path):
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _scalar_bad(node, path):
    """Bad values for one scalar of schema ``node``."""
    kind = node.get("type")
    if "anyOf" in node:  # memory_budget_mb: an integer number of MB or 'auto'
        return ["AUTO", "", "1000", 99, 2500.0, True, None, NAN, INF, -INF, 10**40, [1000]]
    if "$ref" in node or "pattern" in node:  # activations
        values = list(BAD_ACTIVATIONS)
        return values + (BAD_STUDENTS if "teacher" not in path else [])
    if "enum" in node:
        return ["bogus", "", node["enum"][0].upper(), 1, None]
    if kind == "boolean":
        return ["yes", 1, None, 0.0]
    if kind in ("integer", "number"):
        values = ["abc", "3", True, None, [1], NAN, INF, -INF]
        low = node.get("minimum", node.get("exclusiveMinimum"))
        high = node.get("maximum")
        if low is not None:
            values += [low - 1 if "minimum" in node else low]
        if high is not None:
            values += [high * 2 + 1, 1e308]
        if kind == "integer":
            values += [2.5, float(high if high is not None else 10), 10**40 if high else -1]
        return values
    return [1, None]


def _cases():
    cases = []
    for path, node in _nodes():
        key = _dotted(path)
        cases.append((f"missing {key}", path, "<delete>", key))
        kind = node.get("type")
        if kind == "object":
            cases.append((f"{key} not a mapping", path, "oops", key))
            cases.append((f"{key} unknown key", (*path, "bogus_key"), 1, f"{key}.bogus_key"))
            continue
        if kind == "array":
            item = _resolve(node["items"])
            first = BASE_VALUE(path)[0]
            cases += [(f"{key} empty", path, [], key),
                      (f"{key} duplicates", path, [first, first] + BASE_VALUE(path)[1:], key),
                      (f"{key} scalar", path, first, key)]
            for bad in _scalar_bad(item, path):
                cases.append((f"{key}[0]={bad!r}", path, [bad] + BASE_VALUE(path)[1:], key))
            continue
        for bad in _scalar_bad(node, path):
            cases.append((f"{key}={bad!r}", path, bad, key))
    for typo in ("lerning", "seed", "Model", "kernel", "spike.d", "learning.d", "devices"):
        cases.append((f"top-level {typo}", (typo,), 1, typo))
    return cases


def BASE_VALUE(path):
    return functools.reduce(lambda node, key: node[key], path, BASE)


def _apply(path, value):
    config = copy.deepcopy(BASE)
    parent = functools.reduce(lambda node, key: node[key], path[:-1], config)
    if value == "<delete>":
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return config


CASES = _cases()


def test_fuzz_count_and_coverage():
    assert len(CASES) >= 150, len(CASES)
    every_key = {path for path, _ in _nodes()}
    covered = {path for _, path, _, _ in CASES}
    assert every_key <= covered, every_key - covered


@pytest.mark.parametrize(("label", "path", "value", "key"), CASES, ids=[c[0] for c in CASES])
def test_fuzz_bad_config_is_rejected_naming_the_key(label, path, value, key):
    config = _apply(path, value)
    with pytest.raises(ConfigError) as caught:
        validate_config(config)
    message = str(caught.value)
    assert f"'{key}" in message, message  # the key, or one of its items key[i]
    assert "\n" not in message and len(message) < 500, message
    if isinstance(value, float) and not math.isfinite(value):
        assert "not a finite number" in message, message


def test_learning_methods_keep_a_method_after_spiked_beta_false():
    config = _apply(("learning", "methods"), ["krr_beta"])
    validate_config(config)  # spiked_beta true: krr_beta alone is fine
    config["learning"]["spiked_beta"] = False
    with pytest.raises(ConfigError, match=r"'learning\.methods' = \['krr_beta'\]: leaves no "
                                          r"method.*spiked_beta"):
        validate_config(config)
    # older configs (the presets): spiked_beta false with the default, full list of methods
    validate_config(_apply(("learning", "spiked_beta"), False))


@pytest.mark.parametrize(("methods", "words"), [
    (["rf_post", "krr_k2"], r"'learning\.methods\[1\]' = 'krr_k2': not allowed; expected one of "
                            r"'rf_post', 'rf_init', 'krr_k1'"),
    (["linear", "linear"], r"'learning\.methods' = \['linear', 'linear'\]: has duplicate values"),
    ([], r"'learning\.methods' = \[\]: too few values \(0\)"),
])
def test_learning_methods_messages_name_the_key_and_value(methods, words):
    with pytest.raises(ConfigError, match=words):
        validate_config(_apply(("learning", "methods"), methods))
