"""``funcgrad.scipy``: ``jax.scipy``'s sub-packages (``linalg``, ``stats``)."""
from . import linalg, stats  # noqa: F401
