"""Signals the executor sends, so other parts (live updates, triggers) listen
instead of being called.

Both are sent *inside* the transaction that changed the runs: a receiver that
writes the database (recording an event, say) commits or rolls back with the
change; a receiver that acts outside the database (announcing to open pages)
uses `transaction.on_commit`.
"""

from __future__ import annotations

from django.dispatch import Signal

#: Runs changed status or progress (a step finished, a run parked, finished,
#: was cancelled or retried). Keyword arguments: `run_ids` (a list of ints).
runs_changed = Signal()

#: Runs reached a final status (`succeeded` or `failed`). Keyword arguments:
#: `runs` (a list of `Run` objects whose `status` and `error` hold the result).
runs_finished = Signal()

#: Events were dispatched (matched against the workflows listening to them).
#: Keyword arguments: `events` (a list of `Event` objects). Sent inside the
#: dispatching transaction; steps that wait for changes or events wake their runs.
events_dispatched = Signal()
