"""Derives the polynomial coefficients used by src/ops/approx.ts (and its C twin).

Run with /usr/bin/python3 (numpy). Each fit is a least-squares fit on Chebyshev nodes in
float64 (close to minimax), printed as float32 values, so the table in approx.ts can be
re-derived and audited. The accuracy measured in float32 arithmetic is checked by
test/ref/approx.test.ts, not here.
"""
import math
import numpy as np

def cheb_nodes(a, b, n=2000):
    k = np.arange(n)
    return (a + b) / 2 + (b - a) / 2 * np.cos((2 * k + 1) * np.pi / (2 * n))

def fit(xs, ys, powers):
    A = np.stack([xs ** p for p in powers], axis=1)
    c, *_ = np.linalg.lstsq(A, ys, rcond=None)
    return c

def show(name, c):
    print(name, ", ".join(repr(float(np.float32(v))) for v in c))

# exp(r) on [-ln2/2, ln2/2]: 1 + r + r^2 * (c2 + c3 r + ... + c7 r^5)
r = cheb_nodes(-math.log(2) / 2, math.log(2) / 2)
show("EXP", fit(r, (np.exp(r) - 1 - r) / (r * r), range(0, 6)))

# tanh(x) on [0, 0.625]: x + x^3 * (t0 + t1 x^2 + ... + t4 x^8)
x = cheb_nodes(1e-4, 0.625)
show("TANH", fit(x * x, (np.tanh(x) - x) / x ** 3, range(0, 5)))

# erf(x) on [0, 1]: x * (e0 + e1 x^2 + ... + e6 x^12)
from math import erf, erfc
x = cheb_nodes(1e-4, 1.0)
show("ERF", fit(x * x, np.array([erf(v) for v in x]) / x, range(0, 7)))

# erfc(x) * exp(x^2) on [1, 4]: polynomial in u = 1/x, degree 8
x = cheb_nodes(1.0, 4.0)
u = 1 / x
show("ERFC", fit(u, np.array([erfc(v) * math.exp(v * v) for v in x]), range(0, 9)))
