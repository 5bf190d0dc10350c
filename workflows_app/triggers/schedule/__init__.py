"""`schedule`: cron in a timezone (`trigger`: the trigger and cron helpers;
`firing`: the periodic check that records one event per due time)."""
