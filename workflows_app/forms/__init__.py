"""Django forms generated from the workflow language's types: one value-type ->
form-field mapping (`fields`), used by the "Run now" form (`manual`)."""
