"""A faster ``attrs.evolve`` for the fold's hot path, with exactly its result.

``attrs.evolve`` walks the class's fields on every call; replaying a log calls it a few times
per event. Here the walk is done once per class. A class with a ``__dict__`` (slots=False) and
no validators, converters, on-setattr hooks or post-init is copied by updating a new instance's
``__dict__``, which is what its ``__init__`` would have built. Any other class gets a generated
function that passes every field to the constructor, so its validators and converters still run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

T = TypeVar("T")

_Maker = Callable[[Any, dict[str, Any]], Any]
_MAKERS: dict[type, _Maker] = {}


def evolve(inst: T, **changes: Any) -> T:
    """``attrs.evolve(inst, **changes)``."""
    cls = type(inst)
    make = _MAKERS.get(cls)
    if make is None:
        make = _MAKERS[cls] = _maker(cls)
    result: T = make(inst, changes)
    return result


def _maker(cls: type) -> _Maker:
    fields = attrs.fields(cls)
    plain = all(f.init and f.alias.isidentifier() and f.name.isidentifier() for f in fields)
    if not plain:
        return lambda inst, changes: attrs.evolve(inst, **changes)
    names = frozenset(f.alias for f in fields)
    if _plain_dict_class(cls, fields):
        new = object.__new__

        def copy(inst: Any, changes: dict[str, Any]) -> Any:
            if not names.issuperset(changes):
                return attrs.evolve(inst, **changes)  # unknown names: let attrs raise its TypeError
            made: Any = new(cls)
            state = made.__dict__
            state.update(inst.__dict__)
            state.update(changes)
            return made

        return copy
    arguments = ", ".join(f"{f.alias}=get({f.alias!r}, inst.{f.name})" for f in fields)
    source = (
        "def make(inst, changes):\n"
        "    if not names.issuperset(changes):\n"
        "        return fallback(inst, **changes)\n"  # unknown names: let attrs raise its TypeError
        "    get = changes.get\n"
        f"    return cls({arguments})\n"
    )
    namespace: dict[str, Any] = {"cls": cls, "names": names, "fallback": attrs.evolve}
    exec(compile(source, f"<goalplan evolve {cls.__qualname__}>", "exec"), namespace)
    make: _Maker = namespace["make"]
    return make


def _plain_dict_class(cls: type, fields: Any) -> bool:
    return (
        "__slots__" not in cls.__dict__
        and not hasattr(cls, "__attrs_post_init__")
        and not hasattr(cls, "__attrs_pre_init__")
        and all(
            f.alias == f.name and f.validator is None and f.converter is None and f.on_setattr is None
            for f in fields
        )
    )
