"""Public names imported on first use (PEP 562), for the package and its testing helpers.

pytest imports our plugin in every test run of every project that installs us, and with it
``empathy_score`` and ``empathy_score.testing``: their public names that would load spaCy or
scikit-learn are resolved only when first used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(
    package: str, names: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module's ``__getattr__`` and ``__dir__`` for ``names`` (public name -> relative module).

    A name is imported on first access and kept in ``namespace`` (the module's ``globals()``),
    so later lookups do not come back here.
    """

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module, package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *names})

    return __getattr__, __dir__
