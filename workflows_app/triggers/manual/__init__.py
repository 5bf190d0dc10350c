"""`manual`: a person (admin "Run now") or an API call starts the workflow with the
inputs it declares (`trigger`: the trigger; `start`: checking the inputs and
recording the event; `admin`: the "Run now" page). The public API is
`workflows_app.manual`."""
