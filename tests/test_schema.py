"""Tests of helpers.calling.schema: functions in, exact tool definitions out."""

from __future__ import annotations

import enum
from typing import Any, Literal

import openai
import pydantic
import pytest
from pydantic_core import PydanticUndefined

from helpers.calling.schema import arguments_model, function_tool, responses_tool, tools_for

# The article's definitions as published (test_published checks them against its request bodies).
from helpers.lessons.article import ARTICLE_TOOLS


def get_memory_info() -> str:
    """获取系统内存,会将系统的内存情况用json格式返回"""
    return "{}"


def write_file(file_name: str, text: str) -> None:
    """将文本数据写入文件

    Args:
        file_name: 文件名
        text: 写入的文本数据
    """


def test_article_tools_come_out_exactly() -> None:
    assert tools_for(get_memory_info, write_file) == ARTICLE_TOOLS
    strict = tools_for(get_memory_info, write_file, strict=True)
    assert [tool["function"]["strict"] for tool in strict] == [True, True]


def get_weather(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> str:
    """Get the current weather in a city.

    Uses the national weather service; the
    reading is at most an hour old.

    Args:
        city: The city's name, e.g. "Paris".
        unit: The temperature unit.

    Returns:
        The weather, as a sentence.
    """
    return ""


def test_description_is_short_and_long_description_without_sections() -> None:
    assert function_tool(get_weather)["function"]["description"] == (
        "Get the current weather in a city.\n\n"
        "Uses the national weather service; the\nreading is at most an hour old."
    )


def test_literal_with_default_is_an_enum_and_not_required() -> None:
    assert function_tool(get_weather)["function"]["parameters"] == {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": 'The city\'s name, e.g. "Paris".'},
            "unit": {
                "type": "string",
                "enum": ["celsius", "fahrenheit"],
                "default": "celsius",
                "description": "The temperature unit.",
            },
        },
        "required": ["city"],
    }


class Color(enum.Enum):
    """A colour."""

    RED = "red"
    BLUE = "blue"


def paint(
    title: str,
    count: int,
    ratio: float,
    glossy: bool,
    tags: list[str],
    color: Color,
    note: str | None = None,
) -> None:
    """Paint something.

    Args:
        title: What to paint.
        color: Which colour.
    """


def test_basic_types_in_signature_order_without_titles() -> None:
    parameters = function_tool(paint)["function"]["parameters"]
    assert parameters == {
        "type": "object",
        "properties": {
            "title": {"type": "string", "description": "What to paint."},
            "count": {"type": "integer"},
            "ratio": {"type": "number"},
            "glossy": {"type": "boolean"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "color": {"type": "string", "enum": ["red", "blue"], "description": "Which colour."},
            "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        },
        "required": ["title", "count", "ratio", "glossy", "tags", "color"],
    }
    order = ["title", "count", "ratio", "glossy", "tags", "color", "note"]
    assert list(parameters["properties"]) == order


def test_name_and_description_can_be_overridden() -> None:
    tool = function_tool(get_memory_info, name="memory", description="Read memory.")
    assert tool["function"]["name"] == "memory"
    assert tool["function"]["description"] == "Read memory."


def undocumented(n: int) -> int:
    return n


def test_function_without_docstring_has_empty_description() -> None:
    function = function_tool(undocumented)["function"]
    assert (function["name"], function["description"]) == ("undocumented", "")
    assert function["parameters"]["properties"] == {"n": {"type": "integer"}}


def test_strict_makes_every_property_required_and_optionals_nullable() -> None:
    assert function_tool(get_weather, strict=True) == {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": function_tool(get_weather)["function"]["description"],
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string", "description": 'The city\'s name, e.g. "Paris".'},
                    "unit": {
                        "anyOf": [
                            {"type": "string", "enum": ["celsius", "fahrenheit"]},
                            {"type": "null"},
                        ],
                        "description": "The temperature unit.",
                    },
                },
                "required": ["city", "unit"],
                "additionalProperties": False,
            },
            "strict": True,
        },
    }


def _without_titles(node: Any) -> Any:
    # Good enough for GetWeather, which has no parameter called "title".
    if isinstance(node, dict):
        return {key: _without_titles(value) for key, value in node.items() if key != "title"}
    if isinstance(node, list):
        return [_without_titles(item) for item in node]
    return node


# The SDK's way to the same tool as get_weather. No docstring: pydantic would put
# it into the schema, where the function's description never goes.
class GetWeather(pydantic.BaseModel):
    city: str = pydantic.Field(description='The city\'s name, e.g. "Paris".')
    unit: Literal["celsius", "fahrenheit"] | None = pydantic.Field(
        "celsius", description="The temperature unit."
    )


def test_strict_matches_the_sdks_pydantic_function_tool() -> None:
    ours = function_tool(get_weather, strict=True)["function"]
    sdk = openai.pydantic_function_tool(GetWeather, name="get_weather")["function"]
    assert ours["name"] == sdk["name"] == "get_weather"
    assert ours["strict"] is sdk["strict"] is True
    # One deliberate difference: the API has refused "default" in strict schemas,
    # so ours drops it (a null means "use the default"); the SDK keeps it.
    sdk_parameters = _without_titles(sdk["parameters"])
    assert sdk_parameters["properties"]["unit"].pop("default") == "celsius"
    assert ours["parameters"] == sdk_parameters


def test_strict_without_parameters() -> None:
    parameters = function_tool(get_memory_info, strict=True)["function"]["parameters"]
    empty = {"type": "object", "properties": {}, "required": []}
    assert parameters == {**empty, "additionalProperties": False}


def test_responses_shape_puts_the_fields_at_the_top() -> None:
    assert responses_tool(write_file) == {
        "type": "function",
        "name": "write_file",
        "description": "将文本数据写入文件",
        "parameters": ARTICLE_TOOLS[1]["function"]["parameters"],
        "strict": False,
    }


def test_responses_shape_strict() -> None:
    tool = responses_tool(write_file, name="save", strict=True)
    assert (tool["name"], tool["strict"]) == ("save", True)
    assert tool["parameters"]["additionalProperties"] is False
    assert tool["parameters"]["required"] == ["file_name", "text"]


def test_arguments_model_fields_defaults_and_descriptions() -> None:
    model = arguments_model(get_weather)
    assert model.__name__ == "get_weather"
    assert {
        name: (info.annotation, info.default, info.description) for name, info in model.model_fields.items()
    } == {
        "city": (str, PydanticUndefined, 'The city\'s name, e.g. "Paris".'),
        "unit": (Literal["celsius", "fahrenheit"], "celsius", "The temperature unit."),
    }


def test_arguments_model_forbids_extra_and_fills_defaults() -> None:
    model = arguments_model(get_weather)
    filled = model.model_validate({"city": "Paris"}).model_dump()
    assert filled == {"city": "Paris", "unit": "celsius"}
    with pytest.raises(pydantic.ValidationError, match="extra_forbidden"):
        model.model_validate({"city": "Paris", "country": "FR"})


def test_arguments_model_takes_null_as_the_default() -> None:
    # What a strict tool sends for an optional parameter it leaves out.
    model = arguments_model(get_weather)
    assert model.model_validate({"city": "Paris", "unit": None}).unit == "celsius"
    assert arguments_model(paint).model_fields["note"].default is None


def untyped(path, mode: str = "r") -> None:
    """Open."""


def variadic(*paths: str) -> None:
    """Open many."""


def keywords(**options: str) -> None:
    """Options."""


def positional(path: str, /) -> None:
    """Positional."""


def unresolvable(x: NoSuchType) -> None:  # noqa: F821 - the point of the test
    """Broken hint."""


@pytest.mark.parametrize(
    ("func", "message"),
    [
        (untyped, r"^parameter 'path' of untyped\(\) has no type hint: add one"),
        (unresolvable, r"^cannot resolve the type hints of unresolvable\(\)"),
        (variadic, r"^variadic\(\) takes \*paths"),
        (keywords, r"^keywords\(\) takes \*\*options"),
        (positional, r"^parameter 'path' of positional\(\) is positional-only"),
    ],
)
def test_functions_that_cannot_be_described_are_type_errors(func: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        function_tool(func)
    with pytest.raises(TypeError, match=message):
        arguments_model(func)
