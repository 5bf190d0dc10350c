"""Execution: recording events, dispatching them to workflows, running steps.

The database is the source of truth: events and runs are rows; django-q2 tasks
only wake workers up (`queue.wake`), and a sweeper finds anything a lost message
left behind. See `queue`, `dispatch` and `executor`.
"""
