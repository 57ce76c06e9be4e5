"""``funcgrad.scipy``: ``jax.scipy``'s sub-packages (``special``, ``linalg``, ``stats``)."""
from . import linalg, special, stats  # noqa: F401
