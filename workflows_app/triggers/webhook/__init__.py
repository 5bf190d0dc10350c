"""`webhook`: a JSON POST to the workflow's secret address (`trigger`: the trigger;
`view`: the source, `hooks/<token>/`; `admin`: the address and signing secret on
the workflow's admin page)."""
