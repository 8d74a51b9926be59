"""EmpathyScorer: transcripts in, call verdicts out — one call, or a lazy stream of many."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from spacy.language import Language

from .components import set_speaker
from .detectors import FieldCandidates, field_candidates
from .errors import EmpathyScoreError, TranscriptError
from .evidence_from_docs import decide
from .features import call_record
from .model import StraightToDataModel, with_probability
from .reading import flag_duplicate_ids, iter_calls, load_transcript, parse_text
from .seen import SeenIds
from .transcript import Transcript, one_sided
from .verdict import CallVerdict

__all__ = ["EmpathyScorer"]

Item = str | Path | Transcript

#: Calls whose words stay in the pipeline's vocabulary before memory zones are used.
PERMANENT_CALLS = 2_000


class EmpathyScorer:
    """Score Dutch call transcripts for empathy.

    The pipeline is built on first use (not at construction), once per scorer; pass your own
    ``nlp`` (e.g. from :func:`empathy_score.load_nlp` with extra patterns) to share or customise it.

    Parameters
    ----------
    nlp:
        A pipeline from :func:`empathy_score.load_nlp`; built lazily when omitted. Batch
        scoring runs it in spaCy memory zones after its first 2,000 calls (unless you have
        opened one yourself), so do not use it from another thread meanwhile.
    aliases:
        Extra speaker labels for ``.txt`` input, e.g. ``{"mw": "agent"}``.
    agent_speaker:
        For files with anonymous speakers (``SPEAKER_01``, ``Spreker 2``): the agent's label,
        instead of inferring it from what each speaker says.
    model:
        ``"default"`` uses the packaged "straight to policy number" classifier; ``None`` scores
        with the rules alone; a path loads that ``.npz`` (verified against its manifest); pass
        ``load_model(path, sha256=...)`` to check it against a hash you know as well.
    batch_size:
        Turns per :meth:`spacy.Language.pipe` batch.
    """

    def __init__(
        self,
        nlp: Language | None = None,
        *,
        model: str | Path | StraightToDataModel | None = "default",
        aliases: Mapping[str, str] | None = None,
        agent_speaker: str | None = None,
        batch_size: int = 512,
    ) -> None:
        self._nlp = nlp
        self._nlp_injected = nlp is not None  # workers build a default pipeline themselves
        self.model = model
        self._model: StraightToDataModel | None = (
            model if isinstance(model, StraightToDataModel) else None
        )
        self.aliases = dict(aliases) if aliases else None
        self.agent_speaker = agent_speaker
        self.batch_size = batch_size
        self._calls_seen = 0  # by the rule pass: decides when spaCy's memory zones start

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
        """Verdicts for a chunk of calls: rules, the model's detectors' evidence, its probability.

        Decisions follow the evidence; the probability only ranks (see ``with_probability``).

        Each step runs once for the whole chunk, not once per call.
        """
        analysed = self.rule_pass(transcripts)
        classifier = self.classifier
        if classifier is None or not analysed:
            return [verdict for verdict, _ in analysed]
        verdicts = classifier.augment(
            [(t, fields, v) for t, (v, fields) in zip(transcripts, analysed, strict=True)]
        )
        records = [call_record(v, t) for v, t in zip(verdicts, transcripts, strict=True)]
        probabilities = classifier.predict_proba(records)
        return [with_probability(v, p) for v, p in zip(verdicts, probabilities, strict=True)]

    def rule_pass(self, transcripts: list[Transcript]) -> list[tuple[CallVerdict, FieldCandidates]]:
        """The rule verdict of each call, and the field names its context pass set aside.

        The pipeline alone, without the classifier: what training fits the learned parts on
        (the field names feed the learned data-request detector).

        Every turn is its own ``Doc`` (the natural unit, and far faster than one per call),
        which knows its speaker so that each rule family runs only on the turns it applies
        to. A call is decided as soon as its turns leave the pipeline and its Docs are then
        dropped: Docs kept for a whole chunk outlive the garbage collector's young
        generations, and its full collections then cost more than the matching.
        """
        nlp = self.nlp
        for transcript in transcripts:
            for index, turn in enumerate(transcript.turns):
                if len(turn.text) > nlp.max_length:
                    raise TranscriptError(
                        f"call {transcript.id!r}: turn {index} has {len(turn.text)} characters, "
                        f"more than the {nlp.max_length} one turn may have",
                        path=transcript.source,
                        line=turn.line,
                    )
        analysed = []
        # spaCy keeps every string and lexeme it meets for good, so that each new name, number
        # and typo would make memory grow with the number of calls. The first calls are scored
        # as usual, and their words (a call centre's everyday vocabulary) stay; after that each
        # chunk runs in a memory zone, which frees what it alone met. Zones from the start
        # would be much slower: no word would stay in the tokenizer's cache between chunks.
        # Nothing leaves a zone but plain Python values.
        # A zone inside the caller's own zone would free the caller's strings: never nest.
        in_zone = getattr(nlp.vocab, "in_memory_zone", False)  # the caller's own zone
        warm = self._calls_seen >= PERMANENT_CALLS and not in_zone
        self._calls_seen += len(transcripts)
        with nlp.memory_zone() if warm else nullcontext():
            turns = (
                set_speaker(nlp.make_doc(turn.text), turn.speaker)
                for transcript in transcripts
                for turn in transcript.turns
            )
            processed = nlp.pipe(turns, batch_size=self.batch_size)
            for transcript in transcripts:
                docs = list(islice(processed, len(transcript.turns)))
                analysed.append((decide(transcript, docs), field_candidates(docs)))
        return analysed

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
            transcript = load_transcript(
                item, aliases=self.aliases, agent_speaker=self.agent_speaker
            )
        elif isinstance(item, str):
            transcript = parse_text(item, aliases=self.aliases)
        else:
            raise TypeError(
                f"cannot score a {type(item).__name__}; give text, a Path or a Transcript"
            )
        return self.score_transcript(transcript)

    def iter_inputs(
        self,
        items: Item | Iterable[Item | TranscriptError],
        *,
        exclude: Iterable[str | Path] = (),
    ) -> Iterator[Transcript | TranscriptError]:
        """Every call in the given paths (folders walked) and transcripts, errors in place.

        A :class:`TranscriptError` among the items (as :func:`iter_transcripts` yields them) is
        passed on, so that it becomes an error verdict in its place. A call whose id was
        already read, from any item, becomes an error naming both places. Folder walks skip
        the ``exclude`` files (e.g. the run's own output inside an input folder), identified
        when the walk starts.
        """
        if isinstance(items, str | Path | Transcript):
            items = [items]
        exclude = list(exclude)
        seen = SeenIds()  # id -> where first read, across all items
        for item in items:
            if isinstance(item, Transcript | TranscriptError):
                yield from flag_duplicate_ids([item], seen)
            else:
                calls = iter_calls(item, self.aliases, self.agent_speaker, exclude=exclude)
                yield from flag_duplicate_ids(calls, seen)  # one check across all items

    def score_many(
        self,
        items: Item | Iterable[Item | TranscriptError],
        *,
        n_jobs: int = 1,
        chunk_size: int = 256,
        backend: str = "loky",
        scheduler: str | None = None,
        progress: Callable[[CallVerdict], object] | None = None,
    ) -> Iterator[CallVerdict]:
        """Score many calls lazily, in input order; every input yields exactly one verdict.

        ``items`` are paths (strings or :class:`~pathlib.Path`; folders are walked) and
        :class:`Transcript` objects. A file that cannot be read yields a verdict with
        ``status="error"`` naming the file and line, and the batch goes on.

        Inputs are read as the results are consumed and verdicts are yielded as they are ready,
        so memory does not grow with the number of calls.

        Parameters
        ----------
        n_jobs:
            ``1`` scores in this process; more (``-1``: every core) scores chunks on a pool
            of worker processes (joblib's ``loky``), each loading the pipeline and model once.
        chunk_size:
            Calls per chunk: the unit of work sent to a worker, and of classifier batches.
            Each batch costs the classifier a few milliseconds however small it is, and a
            Dask task a few more: below 128 or so, that overhead shows.
        backend:
            ``"loky"`` (processes on this machine) or ``"dask"``: a Dask distributed cluster
            (``pip install 'empathy_score[dask]'``), whose workers set the parallelism, so
            ``n_jobs`` is ignored; files are read here and sent as text.
        scheduler:
            With ``backend="dask"``: the scheduler's address (``"tcp://host:8786"``); ``None``
            uses the current ``distributed.Client``.
        progress:
            Called with each verdict as it is yielded (e.g. to update a progress bar).
        """
        from .parallel import BACKENDS, score_parallel

        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
        if n_jobs == 0 or chunk_size < 1:
            raise ValueError("n_jobs must not be 0 (-1: all cores) and chunk_size must be >= 1")
        entries = self.iter_inputs(items)
        if n_jobs == 1 and backend == "loky":
            verdicts = self._score_serial(entries, chunk_size)
        else:
            verdicts = score_parallel(
                WorkerConfig.of(self),
                entries,
                n_jobs=n_jobs,
                chunk_size=chunk_size,
                backend=backend,
                scheduler=scheduler,
            )
        return verdicts if progress is None else _reporting(verdicts, progress)

    def _score_serial(
        self, entries: Iterable[Transcript | TranscriptError], chunk_size: int
    ) -> Iterator[CallVerdict]:
        """The in-process path of :meth:`score_many`: one chunk at a time, no pool."""
        chunk: list[Transcript | TranscriptError] = []
        for entry in entries:
            chunk.append(entry)
            if len(chunk) >= chunk_size:
                yield from self.score_entries(chunk)
                chunk = []
        if chunk:
            yield from self.score_entries(chunk)

    def score_entries(self, chunk: list[Transcript | TranscriptError]) -> Iterator[CallVerdict]:
        """One verdict per entry, in order: parsed calls scored together, read errors (and
        calls with nothing to judge) as error records; one failing call never stops the rest.

        What each worker of a parallel run does with its chunk.
        """
        # why each readable call cannot be judged (None: it can), asked once per call
        problems = [one_sided(e) if isinstance(e, Transcript) else None for e in chunk]
        pairs = zip(chunk, problems, strict=True)
        transcripts = [e for e, p in pairs if isinstance(e, Transcript) and p is None]
        try:
            scored = iter(self._verdicts(transcripts))
        except Exception:  # whatever raised (our checks, spaCy, a model): find the call
            scored = None  # that failed by scoring one by one
        for entry, problem in zip(chunk, problems, strict=True):
            if isinstance(entry, TranscriptError):
                yield CallVerdict.from_error(entry, id=entry.call_id, source=entry.path)
                continue
            if problem is not None:  # readable, but nothing to judge: reported, not counted
                error = TranscriptError(problem, path=entry.source)
                yield CallVerdict.from_error(error, id=entry.id, source=entry.source)
                continue
            try:
                verdict = next(scored) if scored is not None else self._verdicts([entry])[0]
            except EmpathyScoreError as err:  # one bad call never stops the batch
                verdict = CallVerdict.from_error(err, id=entry.id, source=entry.source)
            except Exception as err:  # nor does a failure inside a library it calls
                reason = TranscriptError(
                    f"call {entry.id!r} could not be scored: {type(err).__name__}: {err}",
                    path=entry.source,
                )
                verdict = CallVerdict.from_error(reason, id=entry.id, source=entry.source)
            yield verdict


def _reporting(
    verdicts: Iterator[CallVerdict], progress: Callable[[CallVerdict], object]
) -> Iterator[CallVerdict]:
    for verdict in verdicts:
        progress(verdict)
        yield verdict


@dataclass(frozen=True)
class WorkerConfig:
    """Everything a worker needs to build the same scorer as the driver's: small and picklable.

    Parameters
    ----------
    key:
        Identifies the configuration in a worker's cache (a digest of the other fields).
    batch_size:
        The scorer's ``batch_size``.
    model:
        ``"default"`` (the packaged classifier, loaded and verified on the worker), ``None``
        (rules only), or a path the worker loads itself; ignored when ``model_blob`` is set.
    nlp_blob, model_blob:
        A pipeline or classifier the caller injected, pickled on the driver; ``None`` builds
        the default pipeline or loads ``model`` on the worker.
    """

    key: str
    batch_size: int
    model: str | None = "default"
    nlp_blob: bytes | None = None
    model_blob: bytes | None = None

    @classmethod
    def of(cls, scorer: EmpathyScorer) -> WorkerConfig:
        """The configuration that rebuilds ``scorer`` on a worker.

        A classifier given as a path (or object) is loaded here, on the driver, and shipped, so
        that workers need not see the driver's disk. If it cannot be loaded, the path is passed
        on and every call fails on the worker with the same error as in a serial run.
        """
        try:  # by value what a caller defined in __main__ (joblib >= 1.5 requires cloudpickle)
            import cloudpickle as pickler
        except ImportError:  # pragma: no cover
            import pickle as pickler

        nlp_blob = pickler.dumps(scorer.nlp) if scorer._nlp_injected else None
        model: str | None = None
        model_blob = None
        if isinstance(scorer.model, str) and scorer.model == "default":
            model = "default"
        elif scorer.model is not None:
            try:
                model_blob = pickler.dumps(scorer.classifier)
            except EmpathyScoreError:
                model = str(scorer.model)
        digest = hashlib.sha256(repr((scorer.batch_size, model)).encode("utf-8"))
        for blob in (nlp_blob, model_blob):
            digest.update(hashlib.sha256(blob or b"").digest())
        return cls(
            key=digest.hexdigest(),
            batch_size=scorer.batch_size,
            model=model,
            nlp_blob=nlp_blob,
            model_blob=model_blob,
        )

    def build(self) -> EmpathyScorer:
        """A fresh scorer with this configuration (pipeline and model still load lazily)."""
        import pickle

        nlp = pickle.loads(self.nlp_blob) if self.nlp_blob is not None else None
        model = pickle.loads(self.model_blob) if self.model_blob is not None else self.model
        return EmpathyScorer(nlp, model=model, batch_size=self.batch_size)
