"""Test runs of an unsaved draft, and backtests over past events.

- `runner.run_draft(definition, event)` runs the draft's steps once, in this
  process, for a real recent event or a chosen record: database changes happen
  inside a transaction that is rolled back, every e-mail and HTTP call (SMS,
  chat and paging steps send through `workflows_app.net`) is captured instead of
  sent (`capture`), and waits are skipped and reported. Nothing leaves the system.
- `backtest.backtest(definition, limit)`: over the last `limit` events the draft's
  trigger would have received, how many would have started a run, with examples.

Both are offered on the builder page ("Test with…", "Backtest") by
`workflows_app.admin.sandbox`.
"""
