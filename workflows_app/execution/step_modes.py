"""How the executor runs a step of each type: the step modes.

A step type's mode follows from what it declares (`engine.StepType`):

- ``inline`` (`marks_start = False`): instant and free of effects outside the
  run (`filter`, `delay`); runs on the worker's main loop as soon as its run
  gets to it, its result saved with the run's next write.
- ``transactional`` (`transactional = True`): only writes the database
  (`record.update`); runs inside the transaction that saves its result and
  checks the worker still holds the run: exactly once.
- ``io`` (everything else: `http.request`, `email.send`, channel steps): has
  effects elsewhere and may be slow; marked "running" (after checking that the
  run is still ours and not cancelled) in a committed write, then run in the
  worker's step pool (`WORKER_CONCURRENCY` at a time) within the step time
  budget, its result saved as soon as it is back.

A step type may name its mode explicitly with an `execution_mode` attribute.
The executor looks a mode up in `STEP_MODES` (a mode name to the executor
method that takes the step), never by testing the step's type.
"""

from __future__ import annotations

from typing import Any

INLINE = "inline"
TRANSACTIONAL = "transactional"
IO = "io"
STEP_MODES = (INLINE, TRANSACTIONAL, IO)


def mode_of(step_type: Any) -> str:
    """The mode a step type runs in (see the module docstring)."""
    explicit = getattr(step_type, "execution_mode", None)
    if explicit:
        if explicit not in STEP_MODES:
            raise ValueError(f"{type(step_type).__name__}.execution_mode must be one of "
                             f"{', '.join(STEP_MODES)}, not {explicit!r}")
        return str(explicit)
    if step_type.transactional:
        return TRANSACTIONAL
    return IO if step_type.marks_start else INLINE
