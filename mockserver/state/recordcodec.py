"""How a state file writes records: keys as text SQLite can index, records as restricted pickles.

Only dataclasses and enums of the allowed packages (mockserver's and the providers'), and datetime's
classes, may be read back; each class's layout (field names, enum values) is noted when first
written, so a file written by classes that have changed since can be refused by name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import importlib
import io
import json
import pickle
from collections.abc import Iterable
from typing import Any

_DATETIME_CLASSES = frozenset({"datetime", "date", "time", "timedelta", "timezone"})


class StateFileError(Exception):
    """The state file cannot be used as it is; the message says why and what to do."""


def encode_key(key: Any) -> str:
    """Keys are strings or tuples of strings and ints: text SQLite can index and compare."""
    return "s" + key if type(key) is str else "j" + json.dumps(key)


def decode_key(text: str) -> Any:
    return text[1:] if text[0] == "s" else _tuples(json.loads(text[1:]))


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def layout_of(cls: type) -> list[Any] | None:
    """What a stored class must still look like for its pickles to mean the same."""
    if dataclasses.is_dataclass(cls):
        return ["dataclass", [f.name for f in dataclasses.fields(cls)]]
    if isinstance(cls, type) and issubclass(cls, enum.Enum):
        return ["enum", {m.name: m.value for m in cls}]
    return None


def class_path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


class RecordCodec:
    """Pickles records and reads them back, admitting only the classes a state file may hold."""

    def __init__(self, roots: Iterable[str]) -> None:
        self.roots = frozenset(roots)
        self.layouts: dict[str, list[Any]] = {}
        """Layout of each class written or read, by class path; new ones are kept in the file."""
        self.new_layouts = False
        self._noted: set[type] = set()
        self._classes: dict[tuple[str, str], type] = {}
        self._buffer = io.BytesIO()
        self._pickler = _Pickler(self._buffer, self)
        codec = self

        class Unpickler(pickle.Unpickler):
            def find_class(self, module: str, name: str) -> Any:
                found = codec._classes.get((module, name))
                return found if found is not None else codec.admit(module, name)

        self._unpickler = Unpickler

    def dumps(self, record: Any) -> bytes | str:
        """A string is kept as it is (index tables hold nothing else); anything else is pickled."""
        if type(record) is str:
            return record
        buffer = self._buffer
        buffer.seek(0)
        buffer.truncate()
        self._pickler.clear_memo()
        self._pickler.dump(record)
        return buffer.getvalue()

    def loads(self, data: bytes | str) -> Any:
        if type(data) is str:
            return data
        return self._unpickler(io.BytesIO(data)).load()

    def note(self, cls: type) -> None:
        """A class about to be written: it must be one a state file may hold."""
        if cls in self._noted:
            return
        path = class_path(cls)
        if path in self.layouts or cls.__module__ == "datetime":
            self._noted.add(cls)
            return
        layout = layout_of(cls)
        if layout is None or cls.__module__.split(".")[0] not in self.roots:
            raise StateFileError(f"a state file cannot hold a {path}: records must be dataclasses and enums")
        self.layouts[path] = layout
        self.new_layouts = True
        self._noted.add(cls)

    def admit(self, module: str, name: str) -> Any:
        """The class a pickle names, if a state file may hold it."""
        if module == __name__ and name == "_member":
            found: Any = _member
        elif module == "datetime" and name in _DATETIME_CLASSES:
            found = getattr(dt, name)
        elif module.split(".")[0] in self.roots:
            found = importlib.import_module(module)
            for part in name.split("."):
                found = getattr(found, part, None)
            if not isinstance(found, type) or layout_of(found) is None:
                raise StateFileError(f"the state file names {module}:{name}, which is not a record class")
        else:
            raise StateFileError(f"the state file names {module}:{name}, which a state file may not hold")
        self._classes[(module, name)] = found
        return found

    def check_layouts(self, stored: dict[str, list[Any]]) -> None:
        """Refuse a file whose records were written by classes that have since changed."""
        problems = []
        for path, layout in stored.items():
            module, _, name = path.partition(":")
            try:
                current = layout_of(self.admit(module, name))
            except (ImportError, StateFileError) as exc:
                problems.append(f"{path} cannot be loaded ({exc})")
                continue
            if current != layout:
                problems.append(f"{path} was {_describe(layout)}, is now {_describe(current)}")
        if problems:
            raise StateFileError(
                "its records were written by a different version of their classes: " + "; ".join(problems)
            )
        self.layouts.update(stored)


def _describe(layout: list[Any] | None) -> str:
    if layout is None:
        return "not a record class"
    kind, shape = layout
    return f"{kind} ({', '.join(map(str, shape))})"


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, codec: RecordCodec) -> None:
        super().__init__(file, protocol=5)
        self._codec = codec
        self._constructors: dict[type, tuple[str, ...] | None] = {}

    def reducer_override(self, obj: Any) -> Any:
        # Called for every object that is not a builtin container or scalar: the place to see
        # each class a record holds (a class itself comes here too, when pickled by reference).
        if obj is _member:
            return NotImplemented
        cls = obj if isinstance(obj, type) else type(obj)
        self._codec.note(cls)
        if isinstance(obj, enum.Enum):
            return _member, (cls, obj._value_)  # a dict lookup to read back, not Enum.__call__
        names = self._constructors.get(cls, ())
        if names == ():
            names = self._constructors[cls] = _constructor_fields(cls)
        if names is None or obj is cls:
            return NotImplemented
        # A record is written as a call of its class with its fields: reading it back then costs
        # one __init__, not the generic slots __setstate__ (five times slower, measured).
        return cls, tuple([getattr(obj, name) for name in names])


def _member(cls: type[enum.Enum], value: Any) -> enum.Enum:
    """An enum member by value, as a pickle names it."""
    return cls._value2member_map_[value]


def _constructor_fields(cls: type) -> tuple[str, ...] | None:
    """The fields a dataclass is rebuilt from by calling it, or None if it cannot be (a field left
    out of __init__, or a __post_init__ that could compute something)."""
    if not dataclasses.is_dataclass(cls) or hasattr(cls, "__post_init__"):
        return None
    fields = dataclasses.fields(cls)
    return None if not all(f.init for f in fields) else tuple(f.name for f in fields)
