"""The statistical vocabulary every spec value is drawn from.

Every module in this package that defines a `@register`-ed Distribution is
imported here, and `AnyDistribution` is the tagged union of all of them
(discriminated on the `distribution` field). Distributions that nest others
(conditional, mixture) refer to `AnyDistribution` by name and are rebuilt once
the union exists.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Annotated, Union

from pydantic import Field, TypeAdapter

from healthsim.distributions.base import REGISTRY, Context, Distribution, register

for _mod in pkgutil.iter_modules(__path__):
    if _mod.name != "base" and not _mod.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_mod.name}")

AnyDistribution = Annotated[
    Union[tuple(REGISTRY[tag] for tag in sorted(REGISTRY))],  # noqa: UP007
    Field(discriminator="distribution"),
]

for _cls in REGISTRY.values():
    _cls.model_rebuild(_types_namespace={"AnyDistribution": AnyDistribution})

_ADAPTER = TypeAdapter(AnyDistribution)


def parse_distribution(data: object) -> Distribution:
    """Validate a dict (from JSON/YAML) into a distribution object."""
    return _ADAPTER.validate_python(data)


__all__ = ["REGISTRY", "AnyDistribution", "Context", "Distribution", "parse_distribution", "register"]
