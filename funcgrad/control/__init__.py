"""Higher-order primitives: ``call`` (jit), and control flow."""
