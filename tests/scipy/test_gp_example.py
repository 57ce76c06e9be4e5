"""``examples/gaussian_process.py`` runs and agrees with scikit-learn's marginal likelihood and
its hand-written gradient."""
import importlib.util
import pathlib

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent


def test_gaussian_process_example(capsys):
    spec = importlib.util.spec_from_file_location("example_gp", ROOT / "examples" / "gaussian_process.py")
    gp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gp)
    theta, value, grad, ref_value, ref_grad, err = gp.main()
    np.testing.assert_allclose(value, ref_value, rtol=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-12)
    assert err < 0.25
    x, y = gp.make_data()
    _, g = gp.nll_and_grad(theta, x, y)
    assert np.abs(np.asarray(g)).max() < 1e-3          # a stationary point
    assert "fitted:" in capsys.readouterr().out
