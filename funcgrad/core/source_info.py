"""Find the user's source line: the first stack frame outside the funcgrad package."""
from __future__ import annotations

import os
import sys

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_SKIP_PREFIXES = (_PKG_DIR,)


def user_frame_info() -> str:
    """Return ``'file:line'`` of the innermost frame that is not funcgrad's own code.

    Test files and examples count as user code; ``funcgrad/test_util.py`` does not.
    """
    f = sys._getframe(1)
    while f is not None:
        fn = f.f_code.co_filename
        if not fn.startswith(_SKIP_PREFIXES) and not fn.startswith("<frozen"):
            return f"{fn}:{f.f_lineno}"
        f = f.f_back
    return "<unknown>"


def short(source: str) -> str:
    """``/long/path/to/file.py:12`` -> ``file.py:12``."""
    return os.path.basename(source) if source else source
