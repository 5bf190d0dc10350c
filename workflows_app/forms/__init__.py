"""Django forms generated from the workflow language's types (the "Run now" form)."""
