"""EmpathyScorer: transcripts in, call verdicts out — one call, or a lazy stream of many."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from .components import set_speaker
from .errors import EmpathyScoreError, TranscriptError
from .features import call_record
from .model import StraightToDataModel, apply_probability
from .transcript import Transcript, iter_transcripts, load_transcript, parse_text
from .verdict import CallVerdict, decide

__all__ = ["EmpathyScorer"]

Item = str | Path | Transcript


class EmpathyScorer:
    """Score Dutch call transcripts for empathy.

    The pipeline is built on first use (not at construction), once per scorer; pass your own
    ``nlp`` (e.g. from :func:`empathy_score.load_nlp` with extra patterns) to share or customise it.

    Parameters
    ----------
    nlp:
        A pipeline from :func:`empathy_score.load_nlp`; built lazily when omitted.
    aliases:
        Extra speaker labels for ``.txt`` input, e.g. ``{"mw": "agent"}``.
    model:
        ``"default"`` uses the packaged "straight to policy number" classifier; ``None`` scores
        with the rules alone; a path loads that ``.joblib`` (verified against its manifest).
    batch_size:
        Turns per :meth:`spacy.Language.pipe` batch.
    """

    def __init__(
        self,
        nlp: Language | None = None,
        *,
        model: str | Path | StraightToDataModel | None = "default",
        aliases: Mapping[str, str] | None = None,
        batch_size: int = 512,
    ) -> None:
        self._nlp = nlp
        self.model = model
        self._model: StraightToDataModel | None = (
            model if isinstance(model, StraightToDataModel) else None
        )
        self.aliases = dict(aliases) if aliases else None
        self.batch_size = batch_size

    @property
    def nlp(self) -> Language:
        """The spaCy pipeline (built on first access)."""
        if self._nlp is None:
            from .pipeline import load_nlp

            self._nlp = load_nlp()
        return self._nlp

    @property
    def classifier(self) -> StraightToDataModel | None:
        """The loaded classifier, or None when scoring with rules alone (loaded on first use)."""
        if self._model is None and self.model is not None:
            from .model import load_model

            self._model = load_model(None if self.model == "default" else self.model)
        return self._model

    def _verdicts(self, transcripts: list[Transcript]) -> list[CallVerdict]:
        """Rule verdicts for a chunk of calls, then the classifier's say, in one batch each."""
        verdicts = [
            decide(t, docs)
            for t, docs in zip(transcripts, self._analyze_chunk(transcripts), strict=True)
        ]
        classifier = self.classifier
        if classifier is None or not verdicts:
            return verdicts
        records = [call_record(v, t) for v, t in zip(verdicts, transcripts, strict=True)]
        probabilities = classifier.predict_proba(records)
        return [
            apply_probability(v, p, classifier.threshold)
            for v, p in zip(verdicts, probabilities, strict=True)
        ]

    def _analyze_chunk(self, transcripts: list[Transcript]) -> list[list[Doc]]:
        """Run the pipeline over every turn of the given calls, one ``Doc`` per turn.

        A Doc per turn is the natural unit and far faster than one per call; every Doc knows
        its speaker so that each rule family runs only on the turns it applies to.
        """
        nlp = self.nlp
        flat = [
            set_speaker(nlp.make_doc(turn.text), turn.speaker)
            for transcript in transcripts
            for turn in transcript.turns
        ]
        processed = iter(nlp.pipe(flat, batch_size=self.batch_size))
        return [list(islice(processed, len(t.turns))) for t in transcripts]

    def score_transcript(self, transcript: Transcript) -> CallVerdict:
        """Score one parsed call."""
        return self._verdicts([transcript])[0]

    def score(self, item: Item) -> CallVerdict:
        """Score one call: a ``Transcript``, a file ``Path``, or a string in the ``.txt`` format.

        A plain string is read as transcript text (``"Klant: …\\nAgent: …"``), never as a
        path; pass a :class:`~pathlib.Path` to read a file. Unreadable input raises
        :class:`~empathy_score.errors.TranscriptError`.
        """
        if isinstance(item, Transcript):
            transcript = item
        elif isinstance(item, Path):
            transcript = load_transcript(item, aliases=self.aliases)
        elif isinstance(item, str):
            transcript = parse_text(item, aliases=self.aliases)
        else:
            raise TypeError(
                f"cannot score a {type(item).__name__}; give text, a Path or a Transcript"
            )
        return self.score_transcript(transcript)

    def iter_inputs(self, items: Item | Iterable[Item]) -> Iterator[Transcript | TranscriptError]:
        """Every call in the given paths (folders walked) and transcripts, errors in place."""
        if isinstance(items, str | Path | Transcript):
            items = [items]
        for item in items:
            if isinstance(item, Transcript):
                yield item
            else:
                yield from iter_transcripts(item, aliases=self.aliases)

    def score_many(
        self, items: Item | Iterable[Item], *, chunk_size: int = 64
    ) -> Iterator[CallVerdict]:
        """Score many calls lazily, in input order; every input yields exactly one verdict.

        ``items`` are paths (strings or :class:`~pathlib.Path`; folders are walked) and
        :class:`Transcript` objects. A file that cannot be read yields a verdict with
        ``status="error"`` naming the file and line, and the batch goes on.
        """
        chunk: list[Transcript | TranscriptError] = []
        for entry in self.iter_inputs(items):
            chunk.append(entry)
            if len(chunk) >= chunk_size:
                yield from self._score_chunk(chunk)
                chunk = []
        if chunk:
            yield from self._score_chunk(chunk)

    def _score_chunk(self, chunk: list[Transcript | TranscriptError]) -> Iterator[CallVerdict]:
        transcripts = [e for e in chunk if isinstance(e, Transcript)]
        try:
            scored = iter(self._verdicts(transcripts))
        except EmpathyScoreError:
            scored = None  # find the call that failed: score one by one
        for entry in chunk:
            if isinstance(entry, TranscriptError):
                yield CallVerdict.from_error(entry, id=_error_id(entry), source=entry.path)
                continue
            try:
                yield next(scored) if scored is not None else self._verdicts([entry])[0]
            except EmpathyScoreError as err:  # one bad call never stops the batch
                yield CallVerdict.from_error(err, id=entry.id, source=entry.source)


def _error_id(error: TranscriptError) -> str:
    if error.path is None:
        return "<unknown>"
    stem = Path(error.path).stem
    return f"{stem}:{error.line}" if error.line is not None else stem
