"""The runtime library of generated kernels (``rt.<name>`` in their source).

Numba from PyPI has no SVML, so ``np.exp``/``np.tanh`` in a Numba loop are scalar libm calls that
keep LLVM from vectorizing it (slower than NumPy's SIMD ufuncs). These are branch-free
approximations (selects, not branches) LLVM vectorizes: Cody-Waite range reduction plus
polynomials (Cephes / fdlibm coefficients), exponents built with bit casts. Each has a tested
maximum error (``tests/backend/test_runtime_math.py``: at most a few ulp) and NumPy's behaviour on
inf, nan, overflow, underflow to subnormals, and subnormal inputs.

``sin``/``cos`` use a Cody-Waite reduction, exact while |x| < 8.2e5, and libm beyond (through
calls that keep the loop vectorized): accurate at any size, as NumPy.

This file is not imported as a normal module: the backend copies it into the cache directory
and runs it with ``njit`` and the bit-cast helpers injected (Numba intrinsics, or NumPy views for
``FUNCGRAD_BACKEND=python``), so Numba can cache it next to the kernels. It must not import
numba, and everything it uses must appear in this file (a kernel's cache entry includes it).
"""
import numpy as np

try:   # injected by funcgrad.backend.numba_backend / .cache when loaded as the runtime library
    njit, i32_as_f32, f32_as_i32, i64_as_f64, f64_as_i64  # noqa: B018
    libm_sincos_f32, libm_sin_f64, libm_cos_f64  # noqa: B018
except NameError:   # plain import (documentation, tests of the Python fallbacks)
    def njit(*args, **kwargs):
        return args[0] if args and callable(args[0]) else (lambda f: f)

    def i32_as_f32(i):
        return np.array(i, np.int32).view(np.float32)[()]

    def f32_as_i32(x):
        return np.array(x, np.float32).view(np.int32)[()]

    def i64_as_f64(i):
        return np.array(i, np.int64).view(np.float64)[()]

    def f64_as_i64(x):
        return np.array(x, np.float64).view(np.int64)[()]

    libm_sin_f64, libm_cos_f64 = np.sin, np.cos

    def libm_sincos_f32(x):
        s, c = np.sin(np.float32(x)), np.cos(np.float32(x))
        return i64_as_f64((np.int64(f32_as_i32(s)) << 32) | (np.int64(f32_as_i32(c)) & 0xFFFFFFFF))

_FLAGS = dict(cache=True, error_model="numpy", boundscheck=False, inline="always")


# --------------------------------------------------------------------------- exp

@njit(**_FLAGS)
def pow2_f32(k):
    """2**k for integer k in [-126, 127], as float32."""
    return i32_as_f32(np.int32((k + 127) << 23))


@njit(**_FLAGS)
def pow2_f64(k):
    """2**k for integer k in [-1022, 1023], as float64."""
    return i64_as_f64(np.int64((k + 1023) << 52))


@njit(**_FLAGS)
def expf_parts(x):
    """``(q, n)`` with ``exp(x) = q * 2**n`` (Cephes expf: ``x = n ln2 + r``, a polynomial in
    ``r``), for ``x`` in expf's range."""
    n = np.floor(x * np.float32(1.44269504088896341) + np.float32(0.5))
    r = x - n * np.float32(0.693359375) - n * np.float32(-2.12194440e-4)
    p = np.float32(1.9875691500e-4)
    p = p * r + np.float32(1.3981999507e-3)
    p = p * r + np.float32(8.3334519073e-3)
    p = p * r + np.float32(4.1665795894e-2)
    p = p * r + np.float32(1.6666665459e-1)
    p = p * r + np.float32(5.0000001201e-1)
    return p * (r * r) + r + np.float32(1.0), n


@njit(**_FLAGS)
def exp_f32(x):
    """exp(x), float32 (Cephes expf polynomial); subnormal results by a two-step scaling."""
    xc = x if x < np.float32(89.0) else np.float32(89.0)
    xc = xc if xc > np.float32(-105.0) else np.float32(-105.0)
    p, n = expf_parts(xc)
    k = np.int32(n)
    k1 = k >> 1
    res = p * pow2_f32(k1) * pow2_f32(k - k1)
    return res if x == x else x


@njit(**_FLAGS)
def exp_f64(x):
    """exp(x), float64 (Cephes exp Pade form); subnormal results by a two-step scaling."""
    xc = x if x < 710.0 else 710.0
    xc = xc if xc > -746.0 else -746.0
    n = np.floor(xc * 1.4426950408889634073599 + 0.5)
    r = xc - n * 6.93145751953125e-1 - n * 1.42860682030941723212e-6
    rr = r * r
    px = ((1.26177193074810590878e-4 * rr + 3.02994407707441961300e-2) * rr
          + 9.99999999999999999910e-1) * r
    qx = ((3.00198505138664455042e-6 * rr + 2.52448340349684104192e-3) * rr
          + 2.27265548208155028766e-1) * rr + 2.00000000000000000009e0
    e = 1.0 + 2.0 * (px / (qx - px))
    k = np.int64(n)
    k1 = k >> 1
    res = e * pow2_f64(k1) * pow2_f64(k - k1)
    return res if x == x else x


# --------------------------------------------------------------------------- log

@njit(**_FLAGS)
def log_f32(x):
    """log(x), float32 (fdlibm logf: s = f/(2+f), log(1+f) = f - hfsq + s*(hfsq+R))."""
    small = x < np.float32(1.17549435e-38)
    xs = x * np.float32(8388608.0) if small else x
    bits = f32_as_i32(xs)
    e = ((bits >> 23) & 0xFF) - 127 - (23 if small else 0)
    m = i32_as_f32(np.int32((bits & 0x007FFFFF) | 0x3F800000))      # [1, 2)
    big = m > np.float32(1.41421356)
    m = m * np.float32(0.5) if big else m
    e = e + 1 if big else e
    f = m - np.float32(1.0)
    s = f / (np.float32(2.0) + f)
    z = s * s
    w = z * z
    t1 = w * (np.float32(0.40000972152) + w * np.float32(0.24279078841))
    t2 = z * (np.float32(0.66666662693) + w * np.float32(0.28498786688))
    rr = t2 + t1
    hfsq = np.float32(0.5) * f * f
    fe = np.float32(e)
    res = fe * np.float32(6.9313812256e-01) - ((hfsq - (s * (hfsq + rr) + fe * np.float32(9.0580006145e-06))) - f)
    ok = x > np.float32(0.0) and x < np.float32(np.inf)
    special = -np.float32(np.inf) if x == np.float32(0.0) else (x if x > np.float32(0.0) else np.float32(np.nan))
    special = x if x != x else special
    return res if ok else special


@njit(**_FLAGS)
def log_f64(x):
    """log(x), float64 (fdlibm log)."""
    small = x < 2.2250738585072014e-308
    xs = x * 18014398509481984.0 if small else x                     # 2**54
    bits = f64_as_i64(xs)
    e = ((bits >> 52) & 0x7FF) - 1023 - (54 if small else 0)
    m = i64_as_f64(np.int64((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000))
    big = m > 1.4142135623730951
    m = m * 0.5 if big else m
    e = e + 1 if big else e
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01))
    t2 = z * (6.666666666666735130e-01 + w * (2.857142874366239149e-01
                                              + w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)))
    rr = t2 + t1
    hfsq = 0.5 * f * f
    fe = np.float64(e)
    res = fe * 6.93147180369123816490e-01 - ((hfsq - (s * (hfsq + rr) + fe * 1.90821492927058770002e-10)) - f)
    ok = x > 0.0 and x < np.inf
    special = -np.inf if x == 0.0 else (x if x > 0.0 else np.nan)
    special = x if x != x else special
    return res if ok else special


# --------------------------------------------------------------------------- log1p / expm1

@njit(**_FLAGS)
def log1p_f32(x):
    """log(1 + x), float32: log(u) * x / (u - 1) with u = 1 + x (Goldberg)."""
    u = np.float32(1.0) + x
    d = u - np.float32(1.0)
    res = log_f32(u) * (x / (d if d != np.float32(0.0) else np.float32(1.0)))
    res = x if d == np.float32(0.0) else res
    return x if x == np.float32(np.inf) else res


@njit(**_FLAGS)
def log1p_f64(x):
    """log(1 + x), float64: log(u) * x / (u - 1) with u = 1 + x (Goldberg)."""
    u = 1.0 + x
    d = u - 1.0
    res = log_f64(u) * (x / (d if d != 0.0 else 1.0))
    res = x if d == 0.0 else res
    return x if x == np.inf else res


@njit(**_FLAGS)
def expm1_f32(x):
    """exp(x) - 1, float32: Taylor polynomial for |x| < 0.7, else exp(x) - 1."""
    p = np.float32(2.7557319e-7)
    p = p * x + np.float32(2.7557319e-6)
    p = p * x + np.float32(2.4801587e-5)
    p = p * x + np.float32(1.9841270e-4)
    p = p * x + np.float32(1.3888889e-3)
    p = p * x + np.float32(8.3333333e-3)
    p = p * x + np.float32(4.1666667e-2)
    p = p * x + np.float32(1.6666667e-1)
    p = p * x + np.float32(0.5)
    small = x * x * p + x
    big = exp_f32(x) - np.float32(1.0)
    return small if abs(x) < np.float32(0.7) else big


@njit(**_FLAGS)
def expm1_f64(x):
    """exp(x) - 1, float64: Taylor polynomial (degree 18) for |x| < 0.7, else exp(x) - 1."""
    p = 1.5619206968586225e-16
    p = p * x + 2.8114572543455206e-15
    p = p * x + 4.7794773323873853e-14
    p = p * x + 7.6471637318198164e-13
    p = p * x + 1.1470745597729725e-11
    p = p * x + 1.6059043836821613e-10
    p = p * x + 2.0876756987868099e-09
    p = p * x + 2.5052108385441720e-08
    p = p * x + 2.7557319223985888e-07
    p = p * x + 2.7557319223985893e-06
    p = p * x + 2.4801587301587302e-05
    p = p * x + 1.9841269841269841e-04
    p = p * x + 1.3888888888888889e-03
    p = p * x + 8.3333333333333333e-03
    p = p * x + 4.1666666666666667e-02
    p = p * x + 1.6666666666666667e-01
    p = p * x + 0.5
    small = x * x * p + x
    big = exp_f64(x) - 1.0
    return small if abs(x) < 0.7 else big


# --------------------------------------------------------------------------- tanh / logistic

@njit(**_FLAGS)
def tanh_f32(x):
    """tanh(x), float32: 1 - 2/(exp(2|x|) + 1) for |x| >= 0.625, odd polynomial below.

    ``|x|`` is clamped to 10 (tanh rounds to 1 from 9.01), so ``exp(2|x|)`` needs neither
    ``exp_f32``'s overflow and subnormal handling nor its second scaling: the Cephes expf
    polynomial inline, one ``2**n``. 27% faster than calling ``exp_f32``, same errors."""
    a = abs(x)
    a = a if a < np.float32(10.0) else np.float32(10.0)
    z = x * x
    p = np.float32(-5.70498872745e-3)
    p = p * z + np.float32(2.06390887954e-2)
    p = p * z + np.float32(-5.37397155531e-2)
    p = p * z + np.float32(1.33314422036e-1)
    p = p * z + np.float32(-3.33332819422e-1)
    small = x + x * z * p
    q, n = expf_parts(a + a)      # exp(2|x|) <= e**20: one 2**n scaling suffices
    e = q * pow2_f32(np.int32(n))
    big = np.float32(1.0) - np.float32(2.0) / (e + np.float32(1.0))
    big = big if x >= np.float32(0.0) else -big
    res = small if a < np.float32(0.625) else big
    return res if x == x else x


@njit(**_FLAGS)
def tanh_f64(x):
    """tanh(x), float64: Cephes rational for |x| < 0.625, 1 - 2/(exp(2|x|) + 1) above."""
    a = abs(x)
    z = x * x
    p = (-9.64399179425052238628e-1 * z - 9.92877231001918586564e1) * z - 1.61468768441708447952e3
    q = ((z + 1.12811678491632931402e2) * z + 2.23548839060100448583e3) * z + 4.84406305325125486048e3
    small = x + x * z * (p / q)
    e = exp_f64(a + a)
    big = 1.0 - 2.0 / (e + 1.0)
    big = big if x >= 0.0 else -big
    res = small if a < 0.625 else big
    return res if x == x else x


@njit(**_FLAGS)
def logistic_f32(x):
    """1 / (1 + exp(-x)), float32; as e / (1 + e) with e = exp(x) for x < 0 (no overflow)."""
    e = exp_f32(-abs(x))
    r = np.float32(1.0) / (np.float32(1.0) + e)
    return r if x >= np.float32(0.0) else e * r


@njit(**_FLAGS)
def logistic_f64(x):
    """1 / (1 + exp(-x)), float64; as e / (1 + e) with e = exp(x) for x < 0 (no overflow)."""
    e = exp_f64(-abs(x))
    r = 1.0 / (1.0 + e)
    return r if x >= 0.0 else e * r


# --------------------------------------------------------------------------- sin / cos
#
# Cody-Waite reduction by pi/2 in float64 (parts of pi/2 with 33 bits, so k * part is exact),
# fdlibm's (float64) or Cephes' (float32) kernel polynomials on [-pi/4, pi/4], and the quadrant
# chosen with selects. The reduction is exact while |k| < 2**19, i.e. |x| < 8.2e5; larger
# arguments (to the largest finite value) go to libm, whose reduction is exact at any size
# (Payne-Hanek), out of line: ``libm_*`` are calls that keep the kernel's loop vectorized (see
# ``compile._libm_call``), costing one well-predicted test per vector of elements.

_CW_LIMIT = 823549.6      # 2**19 * pi/2


@njit(**_FLAGS)
def _sincos_poly_f64(r, k):
    """(sin, cos) of k*pi/2 + r for |r| <= pi/4 (fdlibm kernels, quadrant by selects)."""
    z = r * r
    s = r + r * z * (-1.66666666666666324348e-01 + z * (8.33333333332248946124e-03 + z * (
        -1.98412698298579493134e-04 + z * (2.75573137070700676789e-06 + z * (
            -2.50507602534068634195e-08 + z * 1.58969099521155010221e-10)))))
    hz = 0.5 * z
    w = 1.0 - hz
    c = w + (((1.0 - w) - hz) + z * z * (4.16666666666666019037e-02 + z * (
        -1.38888888888741095749e-03 + z * (2.48015872894767294178e-05 + z * (
            -2.75573143513906633035e-07 + z * (2.08757232129817482790e-09
                                               + z * -1.13596475577881948265e-11))))))
    q = k - 4.0 * np.floor(k * 0.25)            # quadrant 0..3
    odd = q == 1.0 or q == 3.0
    sv = c if odd else s
    cv = s if odd else c
    return (-sv if q >= 2.0 else sv), (-cv if (q == 1.0 or q == 2.0) else cv)


@njit(**_FLAGS)
def sincos_f64(x):
    """(sin(x), cos(x)), float64, any x (libm beyond |x| = 8.2e5)."""
    k = np.floor(x * 0.63661977236758134308 + 0.5)
    r1 = x - k * 1.57079632673412561417e+00      # exact
    w = k * 6.07710050630396597660e-11           # exact
    r2 = r1 - w
    err = (r1 - r2) - w                           # the rounding error of r2 (Fast2Sum)
    r = r2 + (err - k * 2.02226624871116645580e-21 - k * 8.47842766036889956997e-32)
    s, c = _sincos_poly_f64(r, k)
    if not abs(x) < _CW_LIMIT:
        s = libm_sin_f64(x)
        c = libm_cos_f64(x)
    return s, c


@njit(**_FLAGS)
def sin_f64(x):
    """sin(x), float64."""
    return sincos_f64(x)[0]


@njit(**_FLAGS)
def cos_f64(x):
    """cos(x), float64."""
    return sincos_f64(x)[1]


@njit(**_FLAGS)
def sincos_f32(x):
    """(sin(x), cos(x)), float32, any x: reduced in float64, Cephes sinf/cosf polynomials (libm
    beyond |x| = 8.2e5)."""
    xd = np.float64(x)
    k = np.floor(xd * 0.63661977236758134308 + 0.5)
    r = np.float32(xd - k * 1.57079632673412561417e+00 - k * 6.07710050650619224932e-11)
    z = r * r
    s = ((np.float32(-1.9515295891e-4) * z + np.float32(8.3321608736e-3)) * z
         + np.float32(-1.6666654611e-1)) * z * r + r
    c = ((np.float32(2.443315711809948e-5) * z + np.float32(-1.388731625493765e-3)) * z
         + np.float32(4.166664568298827e-2)) * z * z - np.float32(0.5) * z + np.float32(1.0)
    q = k - 4.0 * np.floor(k * 0.25)
    odd = q == 1.0 or q == 3.0
    sv = c if odd else s
    cv = s if odd else c
    sv = -sv if q >= 2.0 else sv
    cv = -cv if (q == 1.0 or q == 2.0) else cv
    if not abs(x) < np.float32(_CW_LIMIT):
        packed = f64_as_i64(libm_sincos_f32(x))       # one call: sin's bits above cos's
        lo = packed & 0xFFFFFFFF
        sv = i32_as_f32(np.int32(packed >> 32))
        cv = i32_as_f32(np.int32(lo - 4294967296 if lo >= 2147483648 else lo))
    return sv, cv


@njit(**_FLAGS)
def sin_f32(x):
    """sin(x), float32."""
    return sincos_f32(x)[0]


@njit(**_FLAGS)
def cos_f32(x):
    """cos(x), float32."""
    return sincos_f32(x)[1]


# --------------------------------------------------------------------------- integers, min/max

@njit(**_FLAGS)
def idiv(a, b, one):
    """Integer division rounding toward zero (C, ``lax.div``); division by zero gives 0, and
    ``MIN // -1`` wraps to MIN (as NumPy and XLA; a machine division would trap or give 0).
    ``one`` is 1 of the operands' type (the kernel passes ``np.uint64(1)``...): a Python ``1``
    would make Numba unify uint64 with int64 as float64."""
    zero = one - one
    neg_one = b < zero and b + one == zero
    bb = b if (b != zero and not neg_one) else one
    q = a // bb                            # floor (Python semantics in Numba too)
    r = a - q * bb
    q = q + one if (r != zero and (a < zero) != (bb < zero)) else q     # toward zero
    q = (zero - a) if neg_one else q       # wraps for MIN
    return q if b != zero else q - q


@njit(**_FLAGS)
def irem(a, b, one):
    """Integer remainder with the sign of the dividend (C, ``lax.rem``); ``x rem 0`` and
    ``x rem -1`` are 0."""
    zero = one - one
    neg_one = b < zero and b + one == zero
    bb = b if (b != zero and not neg_one) else one
    r = a - idiv(a, bb, one) * bb
    return r if (b != zero and not neg_one) else r - r
