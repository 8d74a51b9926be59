"""The Dutch phrases failure messages suggest, so that a script writer knows what to add.

Every phrase here is checked by the test suite to be found by the pipeline as the marker
category or data field it stands for: a suggestion that would not pass its own assertion
would be worse than none. A trailing ``…`` means "and go on with the call".
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["FIELD_REQUESTS", "KIND_NAMES", "MARKER_EXAMPLES", "OPPORTUNITY_REPLIES"]

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

_DEFAULT_REPLY = (
    ("acknowledge_feelings", "Wat vervelend voor u…"),
    ("wish_well", "Heel veel sterkte"),
)

OPPORTUNITY_REPLIES: Mapping[str | None, tuple[tuple[str, str], ...]] = MappingProxyType(
    {
        None: _DEFAULT_REPLY,
        "illness": (
            ("acknowledge_feelings", "Wat naar om te horen…"),
            ("wish_well", "Veel beterschap"),
        ),
        "accident": (
            ("acknowledge_feelings", "Wat schrikken…"),
            ("wish_well", "Ik hoop dat hij het goed maakt"),
        ),
        "injury": (
            ("acknowledge_feelings", "Wat naar om te horen…"),
            ("ask_wellbeing", "Heeft u nog veel pijn?"),
        ),
        "death": (
            ("acknowledge_feelings", "Gecondoleerd met uw verlies…"),
            ("wish_well", "Heel veel sterkte"),
        ),
        "damage": (
            ("acknowledge_feelings", "Wat vervelend voor u…"),
            ("ask_wellbeing", "Gaat het een beetje met u?"),
        ),
        "burglary": (
            ("acknowledge_feelings", "Wat naar, dat is schrikken…"),
            ("ask_wellbeing", "Gaat het een beetje met u?"),
        ),
        "fraud": (
            ("acknowledge_feelings", "Wat een nare ervaring…"),
            ("ask_wellbeing", "Gaat het een beetje met u?"),
        ),
        "fear": (
            ("acknowledge_feelings", "Ik kan me voorstellen dat u bang bent…"),
            ("ask_wellbeing", "Gaat het een beetje met u?"),
        ),
        "shock": (
            ("acknowledge_feelings", "Ik kan me voorstellen dat u geschrokken bent…"),
            ("ask_wellbeing", "Gaat het een beetje met u?"),
        ),
        "grief": (
            ("acknowledge_feelings", "Wat verdrietig voor u…"),
            ("wish_well", "Heel veel sterkte"),
        ),
        "distress": (
            ("acknowledge_feelings", "Wat naar om te horen…"),
            ("ask_wellbeing", "Gaat het een beetje met u?"),
        ),
        "anger": (("acknowledge_feelings", "Begrijpelijk dat u boos bent…"),),
        "frustration": (("acknowledge_feelings", "Wat frustrerend voor u…"),),
        "worry": (
            ("acknowledge_feelings", "Ik kan me voorstellen dat u zich zorgen maakt…"),
            ("ask_wellbeing", "Gaat het een beetje met u?"),
        ),
        "loss": (("acknowledge_feelings", "Wat vervelend voor u…"),),
        "money": (("acknowledge_feelings", "Wat naar om te horen…"),),
        "waiting": (("acknowledge_feelings", "Begrijpelijk dat u het zat bent…"),),
    }
)
"""What to say first, by the kind of distress the customer voiced (``None``: none found)."""

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
