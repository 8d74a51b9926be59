"""Annotation agreement: Cohen's kappa between the corpus gold labels and a second annotator.

Run from the repository root: ``python corpora/agreement/kappa.py``. The second annotation
(``second_annotator.jsonl``) was made blind to the first, on a hash-chosen sample of calls.
"""

import json
from pathlib import Path

from empathy_score.corpus import load_corpus
from empathy_score.evaluate import agreement

here = Path(__file__).parent
second = {}
for line in (here / "second_annotator.jsonl").read_text(encoding="utf-8").splitlines():
    if line.strip():
        record = json.loads(line)
        second[record["id"]] = record
print(json.dumps(agreement(load_corpus(here.parent), second), indent=2))
