"""A pipeline saved with ``nlp.to_disk`` reloads with ``spacy.load`` and finds the same spans.

The saved folder must carry everything the components use (patterns, a user's own patterns,
context rules, normalization tables), so the rule files it was built from are deleted before
it is loaded again, in a fresh interpreter that has not imported empathy_score by hand.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from importlib import resources

import empathy_score as es
from empathy_score.components import set_speaker

TURNS = [
    ("customer", "Eh mijn mijn hond is aangereden, hij ligt bij de dierenarts."),
    ("customer", "Onze kat is zoekgeraakt en de kinderen zijn er kapot van."),
    ("customer", "De kelder staat blank sinds vannacht."),
    ("agent", "Wat schrikken, hoe gaat het nu met hem? Mag ik uw polisnummer?"),
    ("agent", "Ik heb uw polisnummer niet nodig, ik zie het al."),
    ("agent", "Sterkte ermee. Wat is het kenteken en de meldcode, alstublieft?"),
    ("agent", "Da's vervelend zeg, wat is uw klantnummer?"),
]

FIND = """
import json, sys
import spacy
nlp = spacy.load(sys.argv[1])
turns = json.loads(sys.argv[2])
found = []
for speaker, text in turns:
    doc = nlp.make_doc(text)
    doc.user_data["empathy_score.speaker"] = speaker
    doc = nlp(doc)
    found.append({k: [[s.id_, s.text] for s in doc.spans[k]] for k in sorted(doc.spans)})
print(json.dumps(found))
"""


def spans_of(nlp) -> list[dict[str, list[list[str]]]]:
    found = []
    for speaker, text in TURNS:
        doc = nlp(set_speaker(nlp.make_doc(text), speaker))
        found.append({k: [[s.id_, s.text] for s in doc.spans[k]] for k in sorted(doc.spans)})
    return found


def test_a_saved_pipeline_reloads_in_a_fresh_process_and_finds_the_same_spans(tmp_path):
    own = tmp_path / "mijn_kansen.jsonl"
    own.write_text(
        json.dumps({"label": "loss", "id": "mijn.kelder", "pattern": "kelder staat blank"}) + "\n",
        encoding="utf-8",
    )
    rules = tmp_path / "context.jsonl"
    packaged = resources.files("empathy_score.patterns").joinpath("context.jsonl")
    # the packaged rules, and one of our own: "zeg" drops a data request after it
    own_rule = {
        "id": "mijn.zeg",
        "pattern": "zeg",
        "effect": "exclude",
        "direction": "preceding",
        "window": 6,
        "targets": ["dr."],
    }
    rules.write_text(
        packaged.read_text(encoding="utf-8") + json.dumps(own_rule) + "\n", encoding="utf-8"
    )
    nlp = es.load_nlp(extra_patterns={"opportunity": [own]}, context_rules=rules)
    expected = spans_of(nlp)
    saved = tmp_path / "pipeline"
    nlp.to_disk(saved)
    own.unlink()
    rules.unlink()

    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(FIND), str(saved), json.dumps(TURNS)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == expected
    found = {rule for turn in expected for spans in turn.values() for rule, _ in spans}
    assert "mijn.kelder" in found  # the user's own pattern was saved
    assert {"opp.accident", "ack.wat_adj", "dr.field.id.plate"} <= found
    # the user's own context rule was saved: "zeg, wat is uw klantnummer" is no request here
    assert expected[6]["data_request"] == []
    assert spans_of(es.load_nlp())[6]["data_request"] != []


def test_patterns_are_loaded_once_by_spacy_load(tmp_path):
    nlp = es.load_nlp()
    ruler = nlp.get_pipe("empathy_score_empathy")
    saved = tmp_path / "pipeline"
    nlp.to_disk(saved)
    import spacy

    loaded = spacy.load(saved).get_pipe("empathy_score_empathy")
    assert len(loaded) == len(ruler) > 0
    assert loaded.patterns == ruler.patterns


def test_the_default_pipeline_saves_the_packaged_context_rules_as_they_are(nlp, tmp_path):
    # the packaged file is read once at load; saving reads it again, byte for byte
    nlp.get_pipe("empathy_score_context").to_disk(tmp_path)
    packaged = resources.files("empathy_score.patterns").joinpath("context.jsonl")
    saved = (tmp_path / "context.jsonl").read_text(encoding="utf-8")
    assert saved == packaged.read_text(encoding="utf-8")
    assert '"effect": "terminate"' in saved  # the sentence ends, among the rest
