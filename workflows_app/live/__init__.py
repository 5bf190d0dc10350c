"""Live updates of the run history pages over WebSockets (django-channels).

- `notify`: the producer side; workers and run actions announce changed runs to
  the channel layer group `workflows.runs` after their transaction commits;
- `consumers`: the WebSocket consumers behind `ws/workflows/runs/` (the runs list)
  and `ws/workflows/runs/<id>/` (one run), authenticated and permission-checked
  like the admin pages; where the channel layer cannot carry messages between
  processes (the in-memory layer), they poll the database instead;
- `markers`: the cheap "has it changed?" fingerprints the polling compares;
- the same machinery keeps the unread count of the notification indicator in the
  admin header up to date (`ws/workflows/notifications/`, `NotificationsConsumer`);
- `routing`: the URL patterns for `config/asgi.py`.
"""
