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

from typing import TYPE_CHECKING

import pytest

from .._lazy import lazy_exports

# Registered before the helpers are imported, as pytest requires for a plugin's helper modules,
# so that any plain assert in them is rewritten to show its values. (The helpers themselves
# raise AssertionError with a message written for script writers.)
pytest.register_assert_rewrite("empathy_score.testing.assertions")


#: Imported on first use, so that loading the plugin (every pytest run) does not load spaCy.
_LAZY = {
    "Script": ".assertions",
    "assert_data_request": ".assertions",
    "assert_empathy_before_data": ".assertions",
    "assert_markers": ".assertions",
    "assert_no_markers": ".assertions",
    "assert_not_straight_to_data": ".assertions",
    "assert_script": ".assertions",
    "mask_placeholders": ".placeholders",
    "empathy_scripts": ".scripts",
    "load_script": ".scripts",
    "shared_scorer": ".session",
}

if TYPE_CHECKING:
    from .assertions import (
        Script,
        assert_data_request,
        assert_empathy_before_data,
        assert_markers,
        assert_no_markers,
        assert_not_straight_to_data,
        assert_script,
    )
    from .placeholders import mask_placeholders
    from .scripts import empathy_scripts, load_script
    from .session import shared_scorer


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())


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
