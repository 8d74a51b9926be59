"""Unit-testing agent scripts with pytest: assertion helpers, a fixture, a folder helper.

Installing empathy_score is enough: the plugin (:mod:`empathy_score.testing.plugin`) is
registered through the ``pytest11`` entry point and provides the session-scoped
``empathy_scorer`` fixture and the ``--empathy-patterns`` / ``--empathy-alias`` options::

    from empathy_score.testing import assert_empathy_before_data

    def test_claim_script_acknowledges_first():
        assert_empathy_before_data('''
            Klant: Mijn hond is aangereden, hij ligt bij de dierenarts.
            Agent: Wat schrikken, ik hoop dat hij het goed maakt. Mag ik uw polisnummer?
        ''')

The helpers also work without pytest's plugin (e.g. from a script); they then share one
scorer per process.
"""

import pytest

# Registered before the helpers are imported, as pytest requires for a plugin's helper modules,
# so that any plain assert in them is rewritten to show its values. (The helpers themselves
# raise AssertionError with a message written for script writers.)
pytest.register_assert_rewrite("empathy_score.testing.assertions")

from .assertions import (  # noqa: E402
    Script,
    assert_data_request,
    assert_empathy_before_data,
    assert_markers,
    assert_no_markers,
    assert_not_straight_to_data,
    assert_script,
)
from .placeholders import mask_placeholders  # noqa: E402
from .scripts import empathy_scripts, load_script  # noqa: E402
from .session import shared_scorer  # noqa: E402

__all__ = [
    "Script",
    "assert_data_request",
    "assert_empathy_before_data",
    "assert_markers",
    "assert_no_markers",
    "assert_not_straight_to_data",
    "assert_script",
    "empathy_scripts",
    "load_script",
    "mask_placeholders",
    "shared_scorer",
]
