"""Built-in operators. Each module registers its operators on the types they fit."""

from engine.operators import (  # noqa: F401
    change,
    collection,
    equality,
    json_values,
    membership,
    ordering,
    presence,
    temporal,
    text,
)
from engine.operators.base import EvalContext, Operator

__all__ = ["EvalContext", "Operator"]
