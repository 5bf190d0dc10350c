"""`model.date`: a time relative to a record's date falls due (`trigger`: the
trigger and how a value becomes a due time; `firing`: the periodic check that
records one event per record and date value)."""
