#!/usr/bin/python3
"""Prints the GELU coefficient tables of codegen/ukernels/GemmImpl.h.

Both GELU forms are written GELU(x) = max(x, 0) - g(|x|) with g(a) = a F(-a)
(F the normal CDF, or sigmoid(2 sqrt(2/pi) (a + 0.044715 a^3)) for the tanh
form); g is smooth, small and decays to ~0 at L. [0, L] is split into
NINT intervals centred on i h, h = L / (NINT - 1/2); interval i holds a
degree-DEG polynomial in u = a / h - i, u in [-1/2, 1/2] (interval 0: u in
[0, 1/2], fitted as u q(u) so that g(0) = 0 exactly). Fits are least squares
on Chebyshev nodes in double precision, coefficients rounded to float; the
reported error is measured on a dense grid against g in double.

Usage: /usr/bin/python3 fit_gelu_tables.py   (needs numpy)
"""
import math

import numpy as np

NINT, DEG = 8, 5


def g_erf(a):
    return a * 0.5 * math.erfc(a / math.sqrt(2.0))


def g_tanh(a):
    u = math.sqrt(2.0 / math.pi) * (a + 0.044715 * a ** 3)
    return a / (1.0 + math.exp(2.0 * u))


def fit(g, L):
    h = L / (NINT - 0.5)
    coefs, max_err = [], 0.0
    for i in range(NINT):
        lo = 0.0 if i == 0 else -0.5
        nodes = 400
        us = (np.cos(np.pi * (np.arange(nodes) + 0.5) / nodes) * (0.5 - lo) / 2
              + (0.5 + lo) / 2)
        ys = np.array([g((u + i) * h) for u in us])
        if i == 0:
            basis = np.stack([us ** k for k in range(1, DEG + 1)], 1)
            c = np.concatenate(
                [[0.0], np.linalg.lstsq(basis, ys, rcond=None)[0]])
        else:
            c = np.polynomial.polynomial.polyfit(us, ys, DEG)
        c = c.astype(np.float32)
        coefs.append(c)
        grid = np.linspace(lo, 0.5, 20001)
        p = np.zeros_like(grid)
        for k in range(DEG, -1, -1):
            p = p * grid + float(c[k])
        want = np.array([g((u + i) * h) for u in grid])
        max_err = max(max_err, float(np.max(np.abs(p - want))))
    return coefs, max_err, g(L), (NINT - 0.5) / L


def emit(name, g, L):
    coefs, err, tail, inv_h = fit(g, L)
    print(f"// {name} form: L = {L}, max |fit error| {err:.1e}, g(L) = {tail:.1e}")
    print(f"alignas(64) static const float kGelu{name}Lut[{DEG + 1}][16] = {{")
    for k in range(DEG + 1):
        vals = [f"{coefs[i][k]:.9e}f" for i in range(NINT)] * (16 // NINT)
        lines = [", ".join(vals[j:j + 4]) for j in range(0, 16, 4)]
        print("    {" + ",\n     ".join(lines) + "},")
    print("};")
    print(f"constexpr float kGelu{name}InvH = {np.float32(inv_h):.9e}f; "
          f"// {NINT - 0.5} / {L}")


if __name__ == "__main__":
    emit("Erf", g_erf, 5.6)
    emit("Tanh", g_tanh, 5.3)
