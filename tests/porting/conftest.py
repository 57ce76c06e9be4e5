# The programs here are JAX programs: pytest must not import them (CI has no JAX); the test
# ports and runs them in subprocesses.
collect_ignore = ["mlp_fromscratch.py", "stax_classifier.py", "advi.py", "vae.py"]
