"""``funcgrad.scipy``: ``jax.scipy``'s sub-packages (here: ``special``)."""
from . import special  # noqa: F401
