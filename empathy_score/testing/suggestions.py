"""The Dutch phrases failure messages suggest, so that a script writer knows what to add.

Every phrase here is checked by the test suite to be found by the pipeline as the marker
category or data field it stands for: a suggestion that would not pass its own assertion
would be worse than none. A trailing ``…`` means "and go on with the call".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from importlib import resources
from types import MappingProxyType

__all__ = ["FIELD_REQUESTS", "KIND_NAMES", "MARKER_EXAMPLES", "OPPORTUNITY_REPLIES", "reply_for"]

KIND_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "acknowledge_feelings": "an acknowledgement",
        "wish_well": "a wish",
        "ask_wellbeing": "a question how they are",
    }
)
"""How a message names each marker category when it suggests one."""

MARKER_EXAMPLES: Mapping[str, str] = MappingProxyType(
    {
        "acknowledge_feelings": "Wat vervelend voor u…",
        "wish_well": "Heel veel sterkte",
        "ask_wellbeing": "Gaat het een beetje met u?",
    }
)
"""One example per marker category, for assert_markers."""


def _replies() -> tuple[tuple[str, ...], dict[str | None, tuple[tuple[str, str], ...]]]:
    data = json.loads(
        resources.files("empathy_score.patterns").joinpath("replies.json").read_text("utf-8")
    )
    replies: dict[str | None, tuple[tuple[str, str], ...]] = {
        label: tuple((category, phrase) for category, phrase in pairs)
        for label, pairs in data["replies"].items()
    }
    replies[None] = tuple((category, phrase) for category, phrase in data["default"])
    return tuple(data["precedence"]), replies


_PRECEDENCE, _REPLIES = _replies()

OPPORTUNITY_REPLIES: Mapping[str | None, tuple[tuple[str, str], ...]] = MappingProxyType(_REPLIES)
"""What to say first, by the kind of distress the customer voiced (``None``: none found);
read from ``patterns/replies.json``."""


def reply_for(labels: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """The suggestion for the weightiest of the customer's opportunity categories.

    "Ik heb al een week hoge koorts" holds a waiting time and an illness; the advice answers
    the illness ("Veel beterschap"), as ``precedence`` in ``replies.json`` orders them.
    """
    found = set(labels)
    label = next((name for name in _PRECEDENCE if name in found), None)
    return OPPORTUNITY_REPLIES.get(label) or OPPORTUNITY_REPLIES[None]


FIELD_REQUESTS: Mapping[str, str] = MappingProxyType(
    {
        "policy_number": "Mag ik uw polisnummer?",
        "license_plate": "Mag ik uw kenteken?",
        "customer_number": "Mag ik uw klantnummer?",
        "date_of_birth": "Wat is uw geboortedatum?",
        "address": "Mag ik uw postcode en huisnummer?",
        "iban": "Mag ik uw rekeningnummer?",
        "order_number": "Mag ik uw bestelnummer?",
        "contract_number": "Mag ik uw contractnummer?",
        "claim_number": "Mag ik uw schadenummer?",
        "phone": "Op welk telefoonnummer kan ik u bereiken?",
        "email": "Mag ik uw e-mailadres?",
        "name": "Met wie spreek ik?",
        "bsn": "Mag ik uw burgerservicenummer?",
        "meter": "Mag ik uw meterstand?",
        "other_id": "Mag ik uw paspoortnummer?",
    }
)
"""One way to ask for each data field, for assert_data_request."""
