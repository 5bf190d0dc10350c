"""`model.created`, `model.updated`, `model.deleted`: saves and deletes of the models
registered for workflows (`base`: the shared trigger class; `source`: the model
signal receivers that record the events)."""
