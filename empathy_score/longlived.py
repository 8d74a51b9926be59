"""Keep the garbage collector off what lives as long as the process: the pipeline and model.

CPython's cyclic garbage collector now and then runs a full collection, which walks every
tracked object. Once a scorer is loaded that is well over a hundred thousand objects (spaCy's
vocabulary and matchers, the classifier), and a process scoring calls runs a full collection
every few thousand calls: in a worker process those walks take a noticeable share of the
scoring time (``benchmarks/README.md`` has the figures). None of those objects ever becomes
garbage while the process scores, so :func:`gc.freeze` moves them out of the collector's sight
for good.

Frozen objects are still freed when their last reference goes; what the collector no longer
reclaims is cyclic garbage among the objects alive at that one moment. On a Dask worker those
include the worker's own bookkeeping of the tasks it holds then: a bounded, one-time cost.

Only processes that empathy_score scores in use it: pool and Dask workers after their first
chunk, and the ``empathy-score score`` command after its first verdict (whose driver, with
``--jobs``, otherwise walks its imported modules in full collections while the workers wait
for a core), but not ``cli.main([...])`` called from a program.
In your own program the choice is yours (``gc.collect(); gc.freeze()`` once the scorer has
scored its first calls).
"""

from __future__ import annotations

import gc

__all__ = ["freeze_once"]

_frozen = False


def freeze_once() -> None:
    """Collect what is garbage now, then freeze everything still alive (once per process).

    Frozen objects are still freed when their last reference goes; only cyclic garbage among
    them would stay, which is why garbage is collected first.
    """
    global _frozen
    if _frozen:
        return
    _frozen = True
    gc.collect()
    gc.freeze()
