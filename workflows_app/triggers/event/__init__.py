"""`event`: named events that host code declares and emits (`declared`: the
declarations; `emit`: the source; `trigger`: the trigger). The public API is
`workflows_app.events`."""
