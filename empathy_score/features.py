"""What the classifier sees of a call: named rule features and the text of its opening turns.

Two views of the same call, both cheap to compute from the rule verdict and the transcript:

- ``rule_features`` – what the pipeline found, in which turn, in what order and how strong the
  opportunity is (counts per opportunity type before the first request, markers per category
  before and after it, the rule verdict itself);
- ``opening_text`` – the customer's words before the first data request and the agent's words up
  to and including it, so the model can learn paraphrases that no rule lists.

``FEATURE_SCHEMA`` versions both: a model trained on another schema is refused at load time.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .rules import LABELS
from .transcript import AGENT, CUSTOMER, Transcript
from .verdict import CallVerdict

__all__ = ["FEATURE_SCHEMA", "call_record", "opening_text", "rule_features"]

FEATURE_SCHEMA = 1
#: How many turns count as the opening when the agent never asks for data.
OPENING_TURNS = 4
#: The labels counted and the names of their features, in feature order.
_OPPORTUNITY_FEATURES = tuple((f"opp.{label}", label) for label in sorted(LABELS["opportunity"]))
_MARKER_FEATURES = tuple(
    (f"marker_before.{label}", f"marker_any.{label}", label) for label in sorted(LABELS["empathy"])
)


def _end_of_opening(verdict: CallVerdict, transcript: Transcript) -> int:
    """Index of the last turn that belongs to the opening (inclusive)."""
    if verdict.first_data_request_turn is not None:
        return verdict.first_data_request_turn
    return min(len(transcript.turns), OPENING_TURNS) - 1


def rule_features(verdict: CallVerdict, transcript: Transcript) -> dict[str, float]:
    """Named numeric features of one call from its rule verdict."""
    first = verdict.first_data_request_turn
    first_start = (
        min(r.start for r in verdict.data_requests if r.turn == first) if first is not None else 0
    )
    features: dict[str, float] = {
        "rule.opportunity": float(verdict.opportunity),
        "rule.empathy_shown": float(verdict.empathy_shown),
        "rule.empathy_before_data": float(verdict.empathy_before_data),
        "rule.straight_to_data": float(verdict.straight_to_data),
        "rule.has_request": float(first is not None),
        "rule.first_request_turn": float(first if first is not None else -1),
        "rule.n_turns": float(len(transcript.turns)),
        "rule.n_fields": float(len(verdict.data_fields)),
        "rule.n_opportunities": float(len(verdict.opportunities)),
        "rule.n_markers": float(len(verdict.markers)),
    }
    before = [o for o in verdict.opportunities if first is None or o.turn < first]
    features["rule.n_opportunities_before"] = float(len(before))
    # each list is counted once, not once per label
    counts = Counter(o.label for o in before)
    for name, label in _OPPORTUNITY_FEATURES:
        features[name] = float(counts[label])
    early = Counter(
        m.label
        for m in verdict.markers
        if first is None or (m.turn, m.start) < (first, first_start)
    )
    anywhere = Counter(m.label for m in verdict.markers)
    for before_name, any_name, label in _MARKER_FEATURES:
        features[before_name] = float(early[label])
        features[any_name] = float(anywhere[label])
    if first is not None:
        agent_before = sum(1 for i, t in enumerate(transcript.turns[:first]) if t.speaker == AGENT)
        features["rule.agent_turns_before_request"] = float(agent_before)
        features["rule.request_in_first_agent_turn"] = float(agent_before == 0)
    for field in verdict.data_fields:
        features[f"field.{field}"] = 1.0
    return features


def opening_text(verdict: CallVerdict, transcript: Transcript) -> tuple[str, str]:
    """(customer text, agent text) of the opening: up to and including the first request."""
    end = _end_of_opening(verdict, transcript)
    opening = transcript.turns[: end + 1]
    customer = " ".join(t.text for t in opening if t.speaker == CUSTOMER)
    agent = " ".join(t.text for t in opening if t.speaker == AGENT)
    return customer.lower(), agent.lower()


def call_record(verdict: CallVerdict, transcript: Transcript) -> dict[str, Any]:
    """Everything the model pipeline needs for one call, as one record."""
    customer, agent = opening_text(verdict, transcript)
    return {
        "rules": rule_features(verdict, transcript),
        "customer_text": customer,
        "agent_text": agent,
    }
