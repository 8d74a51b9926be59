"""The Dutch pipeline, assembled in one place: ``spacy.blank("nl")`` plus our components.

The component order is decided here and nowhere else:

1. ``empathy_score_normalizer`` – ASR fillers, stutters, Flemish and spoken forms;
2. ``empathy_score_lemmatizer`` – lemmas of the customer's words, compounds by their head;
3. ``empathy_score_empathy`` / ``empathy_score_data_request`` / ``empathy_score_opportunity`` –
   one :class:`~empathy_score.ruler.EmpathyRuler` per rule family;
4. ``empathy_score_context`` – negation, reproach, confirmation and request cues.

No pretrained model is needed or downloaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import spacy
from spacy.language import Language

# register the factories (an installed package also registers them by entry point)
from . import components, context, lemmatizer, ruler  # noqa: F401
from .rules import FAMILIES

__all__ = ["PIPE_NAMES", "load_nlp"]

PIPE_NAMES: tuple[str, ...] = (
    "empathy_score_normalizer",
    "empathy_score_lemmatizer",
    *(f"empathy_score_{family}" for family in FAMILIES),
    "empathy_score_context",
)


def load_nlp(
    *,
    extra_patterns: Mapping[str, Iterable[str | Path]] | None = None,
    context_rules: str | Path | None = None,
) -> Language:
    """Build the empathy pipeline on ``spacy.blank("nl")``.

    Parameters
    ----------
    extra_patterns:
        A user's own pattern files per family, added to the packaged ones, e.g.
        ``{"empathy": ["mijn_markers.jsonl"]}``. Same format as ``empathy_score/patterns``.
    context_rules:
        A context-rule file to use instead of the packaged ``context.jsonl``.

    Returns
    -------
    spacy.language.Language
        A pipeline whose Docs carry ``doc.spans["empathy"]``, ``["data_request"]`` and
        ``["opportunity"]``; each span's ``id_`` is the id of the rule that found it.
    """
    nlp = spacy.blank("nl")
    nlp.add_pipe("empathy_score_normalizer")
    nlp.add_pipe("empathy_score_lemmatizer")
    for family in FAMILIES:
        nlp.add_pipe(
            "empathy_score_ruler", name=f"empathy_score_{family}", config={"family": family}
        )
    nlp.add_pipe(
        "empathy_score_context",
        config={"rules_path": str(context_rules) if context_rules is not None else None},
    )
    nlp.initialize()  # the rulers and the context pass load their rules
    for family in FAMILIES:
        family_ruler = nlp.get_pipe(f"empathy_score_{family}")
        paths = (extra_patterns or {}).get(family, ())
        if isinstance(paths, str | Path):  # one file where a list was meant: not its letters
            from .errors import PatternError

            raise PatternError(
                f"extra_patterns[{family!r}] must be a list of pattern files, e.g. "
                f"{{{family!r}: [{str(paths)!r}]}}, not the single path {str(paths)!r}"
            )
        for path in paths:
            family_ruler.add_pattern_file(path)
    unknown = set(extra_patterns or {}) - set(FAMILIES)
    if unknown:
        from .errors import PatternError

        raise PatternError(
            f"extra_patterns for unknown famil(ies) {sorted(unknown)}; known: {', '.join(FAMILIES)}"
        )
    return nlp
