"""Compiled definitions, cached per version (versions never change)."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from engine import ValidatedDefinition, validate_definition
from workflows_app.json_samples import generation
from workflows_app.models import WorkflowVersion

_MAX_CACHED = 1024
_cache: OrderedDict[int, ValidatedDefinition] = OrderedDict()
_lock = Lock()
#: The generation of JSON field samples the cached definitions were typed with.
_typed_with = [-1]


def compiled_definition(version: WorkflowVersion) -> ValidatedDefinition:
    """The validated, compiled definition of `version` (raises `InvalidDefinition`
    if something it relies on, such as a registered field, has gone since). When the
    samples of JSON fields change, definitions are compiled again."""
    samples = generation()
    with _lock:
        if _typed_with[0] != samples:
            _cache.clear()
            _typed_with[0] = samples
        cached = _cache.get(version.pk)
        if cached is not None:
            _cache.move_to_end(version.pk)
            return cached
    compiled = validate_definition(version.definition)
    with _lock:
        _cache[version.pk] = compiled
        while len(_cache) > _MAX_CACHED:
            _cache.popitem(last=False)
    return compiled


def clear_cache() -> None:
    with _lock:
        _cache.clear()
