"""``funcgrad.example_libraries``: JAX's ``jax.example_libraries`` (``stax``, ``optimizers``),
same names and signatures, so programs written against them port by changing imports."""
