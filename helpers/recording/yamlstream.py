"""Read a cassette one interaction at a time, in bounded memory, whatever the file holds.

PyYAML builds a whole document before returning it: for a 50 MB cassette that
is a million objects at once, and most of the time goes to the garbage
collector walking them. Here libyaml (PyYAML's C parser, when installed) only
turns the text into events, and each top-level value, and each interaction, is
built from them and handed over on its own. Values are built as PyYAML's safe
loader builds them (its resolver and constructors decide every scalar's type);
a value that cannot be built becomes an ``Invalid`` in its place, so one bad
scalar costs one problem, not the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NamedTuple

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

try:
    from yaml import CSafeLoader as _Events
except ImportError:  # PyYAML without libyaml: the same events, more slowly
    from yaml import SafeLoader as _Events  # type: ignore[assignment]

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
_TAGS: dict[str, str] = {}
_COLLECTION_TAGS = {None, "!"} | {f"tag:yaml.org,2002:{t}" for t in ("map", "seq", "omap", "pairs", "set")}
_WAITING = object()  # a mapping's next key has not been read yet
# A cassette nests about eight levels deep (its bodies are text). libyaml
# builds nodes recursively, so a file nested 200,000 deep kills the process.
MAX_DEPTH = 32


class Unreadable(Exception):
    """The file could not be read as YAML text at all."""


@dataclass(frozen=True)
class Invalid:
    """A value that YAML could not build, kept in its place with the reason."""

    reason: str


def _one_line(err: BaseException) -> str:
    """A YAML or decoding error as one line, with its line and column."""
    if isinstance(err, yaml.MarkedYAMLError) and err.problem_mark is not None:
        mark = err.problem_mark
        return f"{err.problem} (line {mark.line + 1}, column {mark.column + 1})"
    if isinstance(err, yaml.reader.ReaderError):
        return f"{err.reason} (byte {err.position})"
    return " ".join(str(err).split()) or type(err).__name__


def _resolve(value: str) -> str:
    """The tag PyYAML gives a plain scalar; short ones (keys, codes) are remembered."""
    tag = _TAGS.get(value)
    if tag is None:
        tag = _RESOLVER.resolve(ScalarNode, value, (True, False))
        if len(value) <= 40 and len(_TAGS) < 10_000:
            _TAGS[value] = tag
    return tag


def _scalar(event: ScalarEvent) -> Any:
    """A scalar's value, typed as PyYAML's safe loader types it."""
    tag = event.tag
    if tag is None or tag == "!":
        if not event.implicit[0]:
            return event.value  # quoted or block text
        tag = _resolve(event.value)
    if tag in (_STR, _MERGE):
        return event.value
    # The constructor function itself: construct_object would keep every node it saw.
    construct = SafeConstructor.yaml_constructors.get(tag) or SafeConstructor.yaml_constructors[None]
    try:
        return construct(_CONSTRUCTOR, ScalarNode(tag, event.value))
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as err:
        return Invalid(f"{event.value[:40]!r} is not a valid {tag}: {_one_line(err)}")


class _Reader:
    """Builds values from a parser's events, keeping anchors for later aliases."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.events = _Events(stream)
        self.anchors: dict[str, Any] = {}

    def next_is(self, kind: type) -> bool:
        return self.events.check_event(kind)

    def skip(self) -> Any:
        return self.events.get_event()

    def value(self) -> Any:
        """The next value, built without recursion (a deeply nested file is fine)."""
        stack: list[list[Any]] = []  # [container, key waiting for its value, tag]
        get = self.events.get_event
        while True:
            event = get()
            kind = type(event)
            if kind is ScalarEvent:
                value = _scalar(event)
                if event.anchor:
                    self.anchors[event.anchor] = value
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                container: Any = {} if kind is MappingStartEvent else []
                if event.anchor:
                    self.anchors[event.anchor] = container
                stack.append([container, _WAITING, event.tag])
                if len(stack) > MAX_DEPTH:
                    raise Unreadable(f"nested deeper than {MAX_DEPTH} levels, which no cassette is")
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                value, _, tag = stack.pop()
                if tag not in _COLLECTION_TAGS:  # a safe loader refuses it, and so does vcrpy
                    value = Invalid(f"the tag {tag} is not one a safe YAML loader reads")
            else:  # an alias
                value = self.anchors.get(event.anchor, Invalid(f"alias *{event.anchor} names no anchor"))
            if not stack:
                return value
            top = stack[-1]
            if type(top[0]) is list:
                top[0].append(value)
            elif top[1] is _WAITING:
                top[1] = value if _hashable(value) else Invalid(f"a {type(value).__name__} as a key")
            else:
                top[0][top[1]] = value
                top[1] = _WAITING


def _hashable(value: Any) -> bool:
    if type(value) is str:
        return True
    try:
        hash(value)
    except TypeError:
        return False
    return True


def check_depth(text: str) -> None:
    """Refuse YAML nested deeper than ``MAX_DEPTH``, from its events, before anything is built.

    Raises:
        Unreadable: The text nests too deep.
        yaml.YAMLError: The text is not YAML.
    """
    level = 0
    for event in yaml.parse(text, Loader=_Events):
        if isinstance(event, yaml.CollectionStartEvent):
            level += 1
            if level > MAX_DEPTH:
                raise Unreadable(f"nested deeper than {MAX_DEPTH} levels, which no cassette is")
        elif isinstance(event, yaml.CollectionEndEvent):
            level -= 1


class Part(NamedTuple):
    """One part of a cassette, as ``read_cassette_stream`` reads it.

    Attributes:
        kind: ``interaction`` (an item of the ``interactions`` list), ``key``
            (any other top-level key), ``top`` (the whole document, when it is
            not a mapping) or ``more`` (a second document follows the first).
        key: The top-level key, for ``key``.
        value: The value read.
    """

    kind: str
    key: Any = None
    value: Any = None


def read_cassette_stream(path: Path) -> Iterator[Part]:
    """The parts of a cassette, in file order, each built only when reached.

    Raises:
        Unreadable: The path cannot be opened, is not UTF-8 text, is not valid
            YAML (possibly after some parts were yielded), or holds no document.
    """
    try:
        with path.open("rb") as stream:
            if stream.read(2) in (b"\xff\xfe", b"\xfe\xff"):  # YAML allows UTF-16; vcrpy does not
                raise Unreadable("not UTF-8 text: UTF-16")
            stream.seek(0)
            yield from _parts(_Reader(stream))
    except OSError as err:
        raise Unreadable(err.strerror or str(err)) from None
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise Unreadable(f"not valid YAML text: {_one_line(err)}") from None


def _parts(reader: _Reader) -> Iterator[Part]:
    """The top-level parts of the first document."""
    reader.skip()  # the stream's start
    if reader.next_is(StreamEndEvent):
        raise Unreadable("empty: no YAML document")
    reader.skip()  # the document's start
    if not reader.next_is(MappingStartEvent):
        yield Part("top", value=reader.value())
        return
    reader.skip()
    while not reader.next_is(MappingEndEvent):
        key = reader.value()
        if key == "interactions" and reader.next_is(SequenceStartEvent):
            reader.skip()
            while not reader.next_is(SequenceEndEvent):
                yield Part("interaction", value=reader.value())
            reader.skip()
        else:
            yield Part("key", key, reader.value())
    reader.skip()
    reader.skip()  # the document's end
    if reader.next_is(DocumentStartEvent):
        yield Part("more")
