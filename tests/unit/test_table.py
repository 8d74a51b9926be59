"""Verdicts as a DataFrame: the CSV's columns, then the meta an analyst groups by."""

import pytest

import empathy_score as es
from empathy_score.table import COLUMNS

pandas = pytest.importorskip("pandas")


def test_a_frame_has_the_csv_columns_and_one_column_per_meta_key(rules_scorer):
    calls = [
        es.parse_text(
            "Klant: Mijn hond is aangereden.\nAgent: Wat is uw polisnummer?",
            id="kort",
        ),
        es.parse_text(
            "Klant: Ik heb al een week oorpijn.\nAgent: Vervelend zeg. Wat is uw geboortedatum?",
            id="oor",
        ),
    ]
    calls = [
        es.Transcript(id=c.id, turns=c.turns, meta={"agent": a, "team": "Schade", "id": "x"})
        for c, a in zip(calls, ("AG-1", "AG-2"), strict=True)
    ]
    frame = es.verdicts_to_frame(rules_scorer.score_many(calls))
    assert list(frame.columns) == [*COLUMNS, "agent", "meta.id", "team"]
    assert frame["id"].tolist() == ["kort", "oor"]
    assert frame["straight_to_data"].tolist() == [True, False]
    assert frame["agent"].tolist() == ["AG-1", "AG-2"]
    assert frame.loc[1, "markers"] == "1:acknowledge_feelings"
    assert frame.groupby("team")["straight_to_data"].mean()["Schade"] == 0.5


def test_an_error_verdict_is_a_row_too(rules_scorer, tmp_path):
    broken = tmp_path / "leeg.txt"
    broken.write_bytes(b"")
    frame = es.verdicts_to_frame(rules_scorer.score_many([broken]))
    assert frame["status"].tolist() == ["error"]
    assert "leeg.txt" in frame.loc[0, "error"]
