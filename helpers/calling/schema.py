"""A Python function turned into a tool definition the model can read.

Lesson 02 writes the article's two tool definitions by hand, then builds the
same dicts from the functions themselves, in numbered steps:

1. the signature, its type hints and the Google-style docstring are read;
2. they become a pydantic model, one field per parameter (``arguments_model``);
3. pydantic turns the model into a JSON schema, which is tidied: no titles,
   no ``$ref`` indirection;
4. for strict mode, the SDK's own ``to_strict_json_schema`` makes every
   property required and every optional parameter nullable;
5. the schema is wrapped in the Chat Completions shape (``function_tool``) or
   the Responses API shape (``responses_tool``).

The model built in step 2 also checks the arguments of every call the model
makes (see ``helpers.calling.dispatch``), so what a tool says it accepts and what it
really accepts cannot drift apart.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, get_args

import docstring_parser
import pydantic
from openai.lib._pydantic import to_strict_json_schema

# Values under these keys are data (a default, allowed values), not schemas:
# a "title" inside them is the user's, not pydantic's.
_DATA_KEYS = frozenset({"default", "enum", "const", "examples"})
# Under these keys the dict's keys are names (a parameter may well be called "title").
_NAMED_SCHEMAS = frozenset({"properties", "patternProperties"})
_DEFS_PREFIX = "#/$defs/"


class _ToolArguments(pydantic.BaseModel):
    """Base of every arguments model: unknown arguments are errors."""

    # A parameter called model_name is ordinary for a tool; pydantic would warn.
    model_config = pydantic.ConfigDict(extra="forbid", protected_namespaces=())

    @pydantic.model_validator(mode="before")
    @classmethod
    def _null_means_default(cls, data: Any) -> Any:
        """Drop a null given for an optional parameter that cannot be None."""
        # In strict mode an optional parameter is nullable (every property is
        # required), so null is how the model says "use the default".
        if not isinstance(data, dict):
            return data
        return {
            key: value
            for key, value in data.items()
            if not (value is None and key in cls.model_fields and _null_is_default(cls, key))
        }


def _null_is_default(model: type[pydantic.BaseModel], name: str) -> bool:
    """True when ``name`` has a default and its type does not admit None."""
    field = model.model_fields[name]
    return not field.is_required() and not _admits_none(field.annotation)


def _admits_none(annotation: Any) -> bool:
    """True for ``None``, ``Any`` and unions that include None."""
    return annotation in (None, type(None), Any) or type(None) in get_args(annotation)


# Step 1: the signature, its hints and the docstring.


def _parameters(func: Callable[..., Any]) -> list[inspect.Parameter]:
    """The parameters of ``func``, with string annotations evaluated."""
    name = getattr(func, "__name__", repr(func))
    try:
        signature = inspect.signature(func, eval_str=True)
    except NameError as error:
        raise TypeError(f"cannot resolve the type hints of {name}(): {error}") from error
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            star = "*" if param.kind is param.VAR_POSITIONAL else "**"
            raise TypeError(
                f"{name}() takes {star}{param.name}: a tool needs a fixed, named "
                "parameter for each argument the model may send"
            )
        if param.kind is param.POSITIONAL_ONLY:
            raise TypeError(
                f"parameter {param.name!r} of {name}() is positional-only: tools are "
                "called with keyword arguments"
            )
        if param.annotation is param.empty:
            raise TypeError(
                f"parameter {param.name!r} of {name}() has no type hint: add one "
                f"(e.g. `{param.name}: str`) so the model knows what to send"
            )
    return list(signature.parameters.values())


def _docstring(func: Callable[..., Any]) -> docstring_parser.Docstring:
    """The Google-style docstring of ``func``, parsed."""
    doc = inspect.getdoc(func) or ""
    return docstring_parser.parse(doc, style=docstring_parser.DocstringStyle.GOOGLE)


def _description(func: Callable[..., Any]) -> str:
    """The docstring's short and long description, without Args or Returns."""
    return (_docstring(func).description or "").strip()


# Step 2: a pydantic model, one field per parameter.


def _build_model(func: Callable[..., Any], *, nullable_defaults: bool) -> type[pydantic.BaseModel]:
    """The arguments model; with ``nullable_defaults``, optional fields also take None."""
    described = {p.arg_name: p.description for p in _docstring(func).params}
    fields: dict[str, Any] = {}
    for param in _parameters(func):
        annotation = param.annotation
        has_default = param.default is not param.empty
        if nullable_defaults and has_default and not _admits_none(annotation):
            annotation = annotation | None
        default = param.default if has_default else ...
        # Only when the docstring has one: None would erase an Annotated description.
        extra = {"description": described[param.name]} if described.get(param.name) else {}
        fields[param.name] = (annotation, pydantic.Field(default, **extra))
    return pydantic.create_model(func.__name__, __base__=_ToolArguments, **fields)


def arguments_model(func: Callable[..., Any]) -> type[pydantic.BaseModel]:
    """Build the pydantic model of a function's arguments.

    Args:
        func: A function whose every parameter has a type hint. Its Google-style
            docstring's Args section describes the parameters.

    Returns:
        A model named after the function, with one field per parameter (type
        from the hint, default kept, description from the docstring) that
        rejects unknown arguments. A null sent for an optional parameter whose
        type does not admit None means "use the default".

    Raises:
        TypeError: A parameter has no type hint, is ``*args``/``**kwargs`` or is
            positional-only, or a hint cannot be resolved.
    """
    return _build_model(func, nullable_defaults=False)


# Step 3: the JSON schema, tidied.


def _tidy(node: Any, defs: dict[str, Any], expanding: frozenset[str] = frozenset()) -> Any:
    """Drop pydantic's titles and inline ``$ref``s, leaving data values alone."""
    if isinstance(node, list):
        return [_tidy(item, defs, expanding) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(_DEFS_PREFIX):
        name = ref.removeprefix(_DEFS_PREFIX)
        if name in expanding:
            raise TypeError(f"type {name!r} refers to itself: a tool's parameters cannot")
        # Keys next to the $ref (a description, a default) win over the definition's.
        rest = {key: value for key, value in node.items() if key != "$ref"}
        node, expanding = {**defs[name], **rest}, expanding | {name}
    tidy: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$defs" or (key == "title" and isinstance(value, str)):
            continue
        if key in _DATA_KEYS:
            tidy[key] = value
        elif key in _NAMED_SCHEMAS and isinstance(value, dict):
            tidy[key] = {name: _tidy(schema, defs, expanding) for name, schema in value.items()}
        else:
            tidy[key] = _tidy(value, defs, expanding)
    return tidy


def _without_defaults(node: Any) -> Any:
    """Drop ``default`` keywords: strict mode has the model send every value."""
    if isinstance(node, list):
        return [_without_defaults(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {
        key: (
            {name: _without_defaults(schema) for name, schema in value.items()}
            if key in _NAMED_SCHEMAS and isinstance(value, dict)
            else value
            if key in _DATA_KEYS
            else _without_defaults(value)
        )
        for key, value in node.items()
        if key != "default"
    }


def _parameters_schema(func: Callable[..., Any], *, strict: bool) -> dict[str, Any]:
    """The JSON schema of a function's parameters, plain or strict."""
    if strict:
        # Step 4: the SDK's rules, the same that pydantic_function_tool applies.
        raw = to_strict_json_schema(_build_model(func, nullable_defaults=True))
        # The API has refused "default" in strict schemas: a null means "use the default".
        return _without_defaults(_tidy(raw, raw.get("$defs", {})))
    raw = arguments_model(func).model_json_schema()
    schema = _tidy(raw, raw.get("$defs", {}))
    # The article's shape: exactly these three keys, "required" even when empty.
    return {
        "type": "object",
        "properties": schema.get("properties", {}),
        "required": schema.get("required", []),
    }


# Step 5: the tool definition.


def function_tool(
    func: Callable[..., Any],
    *,
    name: str | None = None,
    description: str | None = None,
    strict: bool = False,
) -> dict[str, Any]:
    """Build a Chat Completions tool definition from a function.

    Args:
        func: The function the tool calls; see ``arguments_model``.
        name: The tool's name (default: the function's name).
        description: What the tool does (default: the docstring's description,
            without its Args and Returns sections).
        strict: Ask the API to hold the model to the schema: every property is
            required, optional parameters are nullable, no extra properties.

    Returns:
        ``{"type": "function", "function": {"name", "description", "parameters"}}``,
        with ``"strict": True`` inside ``"function"`` when ``strict``.

    Raises:
        TypeError: The function cannot be described (see ``arguments_model``).
    """
    function: dict[str, Any] = {
        "name": name or func.__name__,
        "description": _description(func) if description is None else description,
        "parameters": _parameters_schema(func, strict=strict),
    }
    if strict:
        function["strict"] = True
    return {"type": "function", "function": function}


def responses_tool(
    func: Callable[..., Any],
    *,
    name: str | None = None,
    description: str | None = None,
    strict: bool = False,
) -> dict[str, Any]:
    """Build a Responses API tool definition from a function.

    Args:
        func: The function the tool calls; see ``arguments_model``.
        name: The tool's name (default: the function's name).
        description: What the tool does (default: from the docstring).
        strict: Ask the API to hold the model to the schema.

    Returns:
        ``{"type": "function", "name", "description", "parameters", "strict"}``:
        the Responses API puts the fields at the top and always has ``strict``.

    Raises:
        TypeError: The function cannot be described (see ``arguments_model``).
    """
    return flat_tool(function_tool(func, name=name, description=description, strict=strict))


def flat_tool(tool: dict[str, Any]) -> dict[str, Any]:
    """A Chat Completions tool definition in the Responses API's flat shape; others as they are."""
    if tool.get("type") != "function" or not isinstance(tool.get("function"), dict):
        return tool
    fields = {k: v for k, v in tool["function"].items() if k != "strict"}
    return {"type": "function", **fields, "strict": tool["function"].get("strict", False)}


def tools_for(*funcs: Callable[..., Any], strict: bool = False) -> list[dict[str, Any]]:
    """Build the Chat Completions ``tools`` list for some functions.

    Args:
        *funcs: The functions, in the order the tools should be listed.
        strict: Whether every tool is strict.

    Returns:
        One ``function_tool`` definition per function.

    Raises:
        TypeError: A function cannot be described (see ``arguments_model``).
    """
    return [function_tool(func, strict=strict) for func in funcs]
