#!/usr/bin/env python3
"""Code bytes by crate of a wasm file that still has its `name` section.

    bench/wasm-crates.py FILE.wasm [OTHER.wasm]   # one column per file

Sums the body size of every function in the code section and attributes it to
the crate that starts the function's (demangled) name; `<T as Trait>::f` goes
to T's crate. Used by `bench/size --crates`, which builds a copy of the bundle
with names kept (the shipped bundle has none)."""
import re
import sys
from collections import Counter


def leb(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


def sizes(path):
    b = open(path, "rb").read()
    assert b[:4] == b"\0asm", f"{path}: not a wasm file"
    i, n_imported, bodies, names = 8, 0, [], {}
    while i < len(b):
        sid = b[i]
        size, i = leb(b, i + 1)
        end = i + size
        if sid == 2:  # imports: imported functions come first in the index space
            count, j = leb(b, i)
            for _ in range(count):
                for _ in range(2):  # module, field
                    ln, j = leb(b, j)
                    j += ln
                kind = b[j]
                j += 1
                if kind == 0:
                    n_imported += 1
                    _, j = leb(b, j)
                elif kind == 1:  # table: reftype + limits
                    j += 1
                    flags, j = leb(b, j + 0)
                    _, j = leb(b, j)
                    if flags & 1:
                        _, j = leb(b, j)
                elif kind == 2:  # memory limits
                    flags, j = leb(b, j)
                    _, j = leb(b, j)
                    if flags & 1:
                        _, j = leb(b, j)
                elif kind == 3:  # global
                    j += 2
                else:
                    _, j = leb(b, j)
        elif sid == 10:
            count, j = leb(b, i)
            for _ in range(count):
                sz, j2 = leb(b, j)
                bodies.append(sz + (j2 - j))
                j = j2 + sz
        elif sid == 0:
            ln, j = leb(b, i)
            if b[j : j + ln] == b"name":
                j += ln
                while j < end:
                    sub = b[j]
                    sl, j = leb(b, j + 1)
                    if sub == 1:
                        cnt, k = leb(b, j)
                        for _ in range(cnt):
                            idx, k = leb(b, k)
                            nl, k = leb(b, k)
                            names[idx] = b[k : k + nl].decode("utf-8", "replace")
                            k += nl
                    j += sl
        i = end
    if not names:
        sys.exit(f"{path}: no name section (build with names kept)")
    by_crate = Counter()
    for n, sz in enumerate(bodies):
        by_crate[crate_of(names.get(n + n_imported, "?"))] += sz
    return by_crate, sum(bodies)


IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
DISAMBIGUATOR = re.compile(r"\[[0-9a-f]+\]")


def crate_of(name):
    """`a::b::f` -> a; `<a::T as b::Tr>::f` -> a; `<T as b::Tr>::f` (T a generic
    parameter or a local type name) -> b; bare symbols -> "(no path)"."""
    s = DISAMBIGUATOR.sub("", name)
    if s.startswith("<"):
        depth, i = 0, 0
        for i, ch in enumerate(s):
            depth += ch == "<"
            depth -= ch == ">"
            if depth == 0:
                break
        inner = s[1:i]
        self_ty, _, trait = inner.partition(" as ")
        self_crate = path_crate(self_ty)
        if self_crate:
            return self_crate
        return path_crate(trait) or "(no path)"
    return path_crate(s) or "(no path)"


def path_crate(s):
    s = s.strip()
    for prefix in ("&", "*const ", "*mut ", "mut ", "dyn ", "impl ", "(", "["):
        while s.startswith(prefix):
            s = s[len(prefix):].lstrip()
    m = IDENT.match(s)
    if m and s[m.end():].startswith("::"):
        return m.group(0)
    return None


def main():
    files = sys.argv[1:]
    if not files:
        sys.exit(__doc__)
    cols = [sizes(f) for f in files]
    crates = sorted(set().union(*(c for c, _ in cols)), key=lambda k: -max(c[k] for c, _ in cols))
    head = "| crate | " + " | ".join(f"{f.split('/')[-1]} bytes | %" for f in files) + " |"
    print(head)
    print("|---|" + "---:|---:|" * len(files))
    shown = [k for k in crates if max(c[k] / t for c, t in cols) >= 0.005]
    for k in shown:
        print(f"| {k} | " + " | ".join(f"{c[k]:,} | {100 * c[k] / t:.1f}" for c, t in cols) + " |")
    rest = [k for k in crates if k not in shown]
    print("| (others) | " + " | ".join(f"{sum(c[k] for k in rest):,} | {100 * sum(c[k] for k in rest) / t:.1f}" for c, t in cols) + " |")
    print("| **code total** | " + " | ".join(f"**{t:,}** | 100" for _, t in cols) + " |")


if __name__ == "__main__":
    main()
