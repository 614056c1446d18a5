"""The TF-IDF baseline is saved and loaded without pickle; a pickle file is refused."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from argmine.baseline import TfidfBaseline, convert_trusted_pickle
from argmine.cli import main
from argmine.data import read_records

TEXTS = ["The ministry warned of war.", "Share this article", "Troops crossed the border on Monday."]


@pytest.fixture
def fitted(mini_corpus):
    return TfidfBaseline(seed=0).fit([r for r in read_records(mini_corpus) if r["split"] == "train"])


def test_round_trip_without_pickle_gives_the_same_probabilities(fitted, tmp_path):
    fitted.save(tmp_path / "b")
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == \
        ["argmine_baseline.json", "baseline.npz", "baseline_vocab.json"]
    with np.load(tmp_path / "b" / "baseline.npz", allow_pickle=False) as arrays:  # no object arrays inside
        assert all(arrays[k].dtype != object for k in arrays.files)
    loaded = TfidfBaseline.load(tmp_path / "b")
    for head in ("role", "stance"):
        np.testing.assert_allclose(loaded.predict_proba(TEXTS)[head], fitted.predict_proba(TEXTS)[head], atol=1e-6)


class _Exploit:
    def __reduce__(self):
        return (exec, ("open('PWNED', 'w').write('ran')",))


def test_a_crafted_pickle_is_refused_and_never_run(tmp_path, monkeypatch, capsys, mini_corpus):
    folder = tmp_path / "evil"
    folder.mkdir()
    (folder / "argmine_baseline.json").write_text(json.dumps({"kind": "tfidf-logreg"}))
    (folder / "baseline.joblib").write_bytes(pickle.dumps(_Exploit()))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="a pickle file, which runs code when loaded"):
        TfidfBaseline.load(folder)
    assert main(["evaluate", "--model", str(folder), "--data", str(mini_corpus)]) == 2
    assert "convert_trusted_pickle" in capsys.readouterr().err
    assert not (tmp_path / "PWNED").exists()


def test_a_trusted_old_pickle_converts_once(fitted, tmp_path):
    import joblib

    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "argmine_baseline.json").write_text(json.dumps({"kind": "tfidf-logreg", "ngram_max": 2}))
    joblib.dump({"vectorizer": fitted.vectorizer, "classifiers": fitted.classifiers}, folder / "baseline.joblib")
    convert_trusted_pickle(folder)
    assert not (folder / "baseline.joblib").exists()
    np.testing.assert_allclose(TfidfBaseline.load(folder).predict_proba(TEXTS)["role"],
                               fitted.predict_proba(TEXTS)["role"], atol=1e-6)
