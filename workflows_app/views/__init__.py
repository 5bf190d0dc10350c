"""Plain Django views of the workflows app (inbound webhooks, "Run now")."""
