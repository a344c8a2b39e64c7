"""Atomic writes and provenance: a failed write leaves nothing a later run would trust."""

import json

import numpy as np
import pandas as pd
import pytest

from onestep.io import atomic_path, load_npz, provenance, read_table, save_npz, write_table


def test_failed_write_leaves_no_file(tmp_path):
    target = tmp_path / "out.npz"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half a file")
        raise RuntimeError("killed mid-write")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone too


def test_failed_rewrite_keeps_the_previous_file(tmp_path):
    target = tmp_path / "table.csv"
    write_table(pd.DataFrame({"a": [1]}), target)
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("garbage")
        raise RuntimeError
    assert read_table(target)["a"].tolist() == [1]


def test_npz_roundtrip_with_provenance(tmp_path):
    meta = provenance(student="relu", d=10, seed=3)
    save_npz(tmp_path / "x.npz", metadata=meta, W=np.eye(3))
    arrays, loaded = load_npz(tmp_path / "x.npz")
    np.testing.assert_array_equal(arrays["W"], np.eye(3))
    assert loaded["point"] == {"student": "relu", "d": 10, "seed": 3}
    assert {"numpy", "torch", "snakemake", "onestep"} <= set(loaded["packages"])
    assert loaded["git_commit"]
    json.dumps(loaded)


def test_missing_inputs_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        load_npz(tmp_path / "nope.npz")
    with pytest.raises(FileNotFoundError, match="nope.parquet"):
        read_table(tmp_path / "nope.parquet")
    with pytest.raises(ValueError, match="suffix"):
        write_table(pd.DataFrame(), tmp_path / "table.txt")


def test_read_json_names_missing_and_damaged_files(tmp_path):
    from onestep.io import read_json, write_json

    write_json({"prediction": {"theta": 0.5}}, tmp_path / "ok.json")
    assert read_json(tmp_path / "ok.json")["prediction"]["theta"] == 0.5
    with pytest.raises(FileNotFoundError, match="nope.json"):
        read_json(tmp_path / "nope.json")
    (tmp_path / "cut.json").write_text('{"prediction": {"the')
    with pytest.raises(ValueError, match="cut.json"):
        read_json(tmp_path / "cut.json")


def test_stamp_appends_provenance_columns_in_order():
    from onestep.io import stamp

    table = pd.DataFrame({"value": [1.0, 2.0]})
    out = stamp(table, {"student": "relu", "d": 40}, {"seed": 0, "d": 41})
    assert out is table
    assert list(out.columns) == ["value", "student", "d", "seed"]
    assert out["d"].tolist() == [41, 41] and out["student"].tolist() == ["relu", "relu"]
