"""One row (or more) per registered primitive for the table-driven rule test.

A ``Case`` names a primitive, a function that binds it (through ``funcgrad.lax``), and how to
draw its arguments. Families keep their rows in ``cases_<family>.py``; ``CASES`` collects them.
The rule test fails for any registered primitive without a row.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Sequence

import numpy as np


@dataclasses.dataclass
class Arg:
    """How to draw one argument: ``shape`` and a ``sampler`` name, or a fixed ``value``."""
    shape: tuple = ()
    sampler: str = "normal"
    dtype: str = "float64"
    value: object = None

    def draw(self, rng):
        if self.value is not None:
            return np.asarray(self.value)
        s, dt = self.shape, np.dtype(self.dtype)
        if self.sampler == "normal":
            x = rng.randn(*s)
        elif self.sampler == "positive":
            x = rng.uniform(0.5, 2.0, s)
        elif self.sampler == "unit":            # inside (-1, 1), away from the ends
            x = rng.uniform(-0.9, 0.9, s)
        elif self.sampler == "above_one":
            x = rng.uniform(1.2, 3.0, s)
        elif self.sampler == "nonzero":
            x = rng.uniform(0.5, 2.0, s) * rng.choice([-1, 1], s)
        elif self.sampler == "small":
            x = rng.uniform(-1.2, 1.2, s)
        elif self.sampler == "int":
            x = rng.randint(-5, 6, s)
        elif self.sampler == "posint":
            x = rng.randint(1, 6, s)
        elif self.sampler == "bool":
            x = rng.rand(*s) > 0.5
        else:
            raise ValueError(self.sampler)
        return np.asarray(x).astype(dt)


@dataclasses.dataclass
class Case:
    prim: str
    fn: Callable
    args: Sequence[Arg]
    name: str = ""
    diff: bool = True             # differentiable: check VJP/JVP against finite differences
    order: int = 1                # derivative order for the finite-difference checks
    tol: float | None = None
    batch_args: Sequence[int] | None = None   # which args vmap may batch (default: all)

    @property
    def id(self):
        shapes = ",".join("x".join(map(str, a.shape)) or "s" for a in self.args)
        return f"{self.prim}-{self.name or shapes}"


def collect():
    from . import cases_elementwise, cases_shape, cases_reductions, cases_linalg
    out = []
    for mod in (cases_elementwise, cases_shape, cases_reductions, cases_linalg):
        out.extend(mod.CASES)
    try:
        from . import cases_indexing
        out.extend(cases_indexing.CASES)
    except ImportError:
        pass
    from . import cases_control, cases_sorting, cases_special
    out.extend(cases_control.CASES)
    from . import cases_random, cases_custom
    out.extend(cases_random.CASES)
    out.extend(cases_custom.CASES)
    out.extend(cases_sorting.CASES)
    out.extend(cases_special.CASES)
    return out


CASES = collect()
