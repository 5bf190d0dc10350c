"""Outbound messages of the channel steps (`sms.send`, `whatsapp.send`, `chat.post`,
`pagerduty.trigger`): the request each provider expects, delivered by the backend
named in `WORKFLOWS["CHANNEL_BACKEND"]` (like Django's `EMAIL_BACKEND`):

- `workflows_app.channels.backends.http.HttpBackend` (default): real delivery,
  every request through `workflows_app.net.send` (SSRF checks, redirects checked);
- `...console.ConsoleBackend`: prints each message in the worker's output;
- `...locmem.LocmemBackend`: keeps them in `workflows_app.channels.outbox` (tests).
"""
