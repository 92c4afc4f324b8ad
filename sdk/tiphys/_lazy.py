"""Public names imported on first use, so that ``import tiphys`` stays cheap.

``tiphys`` and ``tiphys.dsl`` list their public names with the module that defines each, and
call :func:`install`: reading a name imports its module then and caches the value in the
package. Type checkers and editors read the same names from an ``if TYPE_CHECKING:`` import
block, which a test keeps equal to the table.

Some public names are also submodule names (``tiphys.dsl.container`` is both the decorator and
its module). Importing a submodule makes Python bind it on the package; the package keeps the
public object under that name instead, as an eager ``from ... import`` would (the module itself
stays in ``sys.modules``).
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Mapping
from typing import Any


class LazyPackage(types.ModuleType):
    """A package whose public names are imported from their modules on first read."""

    __lazy_exports__: Mapping[str, str]

    def __getattr__(self, name: str) -> Any:
        module = self.__lazy_exports__.get(name)
        if module is None:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        self.__dict__[name] = value
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        if (
            isinstance(value, types.ModuleType)
            and value.__name__ == f"{self.__name__}.{name}"
            and self.__lazy_exports__.get(name) == value.__name__
        ):
            value = getattr(value, name)
        super().__setattr__(name, value)

    def __dir__(self) -> list[str]:
        return sorted({*self.__dict__, *self.__lazy_exports__})


def install(package: str, exports: Mapping[str, str]) -> None:
    """Make ``package`` import its public names on first use.

    Args:
        package: The package's ``__name__`` (it must be in ``sys.modules``).
        exports: Public name -> the module that defines it.
    """
    module = sys.modules[package]
    module.__dict__["__lazy_exports__"] = exports
    module.__class__ = LazyPackage
