"""The typed workflow language: pure Python, no Django.

`engine` knows types, operators, scopes, conditions, templates, step and trigger
metadata and how to validate a whole definition. `workflows_app` plugs Django
models, users and real step implementations into it through the registries and
the abstract hooks (`RecordType`, `RecordProvider`).
"""

from engine.conditions import Condition, ConditionResult, evaluate_condition, explain_condition
from engine.definition import ValidatedDefinition, check_definition, validate_definition
from engine.errors import (
    DefinitionError,
    EngineError,
    InvalidDefinition,
    TemplateError,
    ValueParseError,
)
from engine.registry import AlreadyRegistered, NotRegistered, Registry
from engine.scope import ScopeField, ScopeSchema, resolve_path
from engine.steps import Output, Param, StepType, step_registry
from engine.templates import Template
from engine.triggers import TriggerType, trigger_registry
from engine.types import ValueType, parse_type_spec, type_registry

__all__ = [
    "AlreadyRegistered",
    "Condition",
    "ConditionResult",
    "DefinitionError",
    "EngineError",
    "InvalidDefinition",
    "NotRegistered",
    "Output",
    "Param",
    "Registry",
    "ScopeField",
    "ScopeSchema",
    "StepType",
    "Template",
    "TemplateError",
    "TriggerType",
    "ValidatedDefinition",
    "ValueParseError",
    "ValueType",
    "check_definition",
    "evaluate_condition",
    "explain_condition",
    "parse_type_spec",
    "resolve_path",
    "step_registry",
    "trigger_registry",
    "type_registry",
    "validate_definition",
]
