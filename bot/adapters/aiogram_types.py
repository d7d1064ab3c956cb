"""aiogram's types imported without building a validator for every one of them.

`aiogram.types` declares its ~300 models with pydantic's `defer_build`, then calls
`model_rebuild()` on every one at import to resolve their forward references, and that builds
all their validators and serializers at once: about 125 MB of memory (most of it inside
pydantic-core, where tracemalloc does not see it), before the bot has read a single update.
A bot that only receives messages and button presses validates a handful of them.

`import_types()` imports `aiogram.types` with that loop turned into what `defer_build`
promises: each model is built the first time it is used (pydantic's own mechanism, the
same one aiogram's `defer_build` relies on). The forward references it would have resolved
(names each module imports only for type checkers) are put into the modules' namespaces,
where pydantic looks for them when it builds the model later, alone or inside another
(an `Update` holds a `Message`, a method's result is a `Response[Message]`).

It must run before anything imports aiogram; `aiogram_adapter` calls it first thing. If
aiogram was imported already, it does nothing (and nothing is saved). The e2e and faults
suites run the bot through this adapter; tests/bot/test_aiogram_types.py checks that every
type still builds.
"""

from __future__ import annotations

import re
import sys
from typing import Any

_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def import_types() -> bool:
    """Import `aiogram.types` with its models' validators deferred; False when aiogram was
    imported before (then they were built as aiogram builds them)."""
    if "aiogram.types" in sys.modules:
        return False
    from pydantic import BaseModel

    original = BaseModel.__dict__["model_rebuild"]
    namespace: dict[str, Any] = {}
    deferred: list[type[BaseModel]] = []

    def defer(cls: type[BaseModel], *, force: bool = False, raise_errors: bool = True,
              _parent_namespace_depth: int = 2,
              _types_namespace: dict[str, Any] | None = None) -> bool | None:
        if (_types_namespace is not None and not force
                and cls.__module__.startswith("aiogram.types.")
                and not cls.__pydantic_complete__):
            namespace.update(_types_namespace)
            deferred.append(cls)
            return None
        rebuilt: bool | None = original.__func__(
            cls, force=force, raise_errors=raise_errors,
            _parent_namespace_depth=_parent_namespace_depth + 1,
            _types_namespace=_types_namespace)
        return rebuilt

    BaseModel.model_rebuild = classmethod(defer)  # type: ignore[method-assign,assignment]
    try:
        import aiogram.types  # noqa: F401
    finally:
        BaseModel.model_rebuild = original  # type: ignore[method-assign]
    for cls in deferred:
        _resolve_in_module(cls, namespace)
    return True


def _resolve_in_module(cls: type[Any], namespace: dict[str, Any]) -> None:
    """Put the names the model's annotations use, and its module lacks, into the module
    (those of the classes it inherits fields from too: pydantic evaluates inherited
    annotations in the namespace of the model it builds)."""
    module = vars(sys.modules[cls.__module__])
    for klass in cls.__mro__:
        for annotation in vars(klass).get("__annotations__", {}).values():
            if not isinstance(annotation, str):
                continue
            for name in _IDENTIFIER.findall(annotation):
                if name not in module and name in namespace:
                    module[name] = namespace[name]
