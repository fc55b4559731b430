#!/usr/bin/env python3
"""Runs every case of cases.json (written by make_corpus.py) against txc.

  run_cases.py <path to txc> [--filter SUBSTRING] [-v]

Each case asserts the exit code, that every listed word is in stderr (and
stdout, for 'stdout'), that no signal killed txc, that stderr carries no
LLVM crash or "report a bug" text, and optional limits (stderr size, time,
peak memory). The few models too big to commit (100000 nodes, 30000
inputs) are written here in protobuf wire format, without the onnx package.
"""
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FORBIDDEN = ["LLVM ERROR", "PLEASE submit a bug report", "llvm-project",
             "Stack dump", "Assertion", "AddressSanitizer", "runtime error:"]


# --- Minimal protobuf wire format for ONNX ModelProto --------------------------
def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, payload):
    if isinstance(payload, int):
        return varint(num << 3) + varint(payload)
    if isinstance(payload, str):
        payload = payload.encode()
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def value_info(name, dims=None):
    shape = b"" if dims is None else field(
        2, b"".join(field(1, field(1, d)) for d in dims))
    tensor_type = field(1, 1) + shape  # elem_type FLOAT
    return field(1, name) + field(2, field(1, tensor_type))


def model_bytes(nodes, inputs, outputs, opset=17):
    graph = b"".join(field(1, n) for n in nodes) + field(2, "g")
    graph += b"".join(field(11, value_info(*i)) for i in inputs)
    graph += b"".join(field(12, value_info(*o)) for o in outputs)
    return field(1, 8) + field(8, field(2, opset)) + field(7, graph)


def node_bytes(op, inputs, outputs, name):
    return (b"".join(field(1, i) for i in inputs) + b"".join(field(2, o) for o in outputs)
            + field(3, name) + field(4, op))


def many_unsupported(path, count):
    nodes = [node_bytes("Frobnicate", ["x"], ["y%d" % i], "n%d" % i) for i in range(count)]
    with open(path, "wb") as f:
        f.write(model_bytes(nodes, [("x", [2])], [("y0", None)]))


def many_io(path, count):
    nodes = [node_bytes("Identity", ["x%d" % i], ["y%d" % i], "id%d" % i)
             for i in range(count)]
    with open(path, "wb") as f:
        f.write(model_bytes(nodes, [("x%d" % i, [2]) for i in range(count)],
                            [("y%d" % i, None) for i in range(count)]))


def deep_mlir(path, depth):
    with open(path, "w") as f:
        f.write("module { func.func @main() -> tensor<f32> attributes {x = "
                + "[" * depth + "]" * depth + "} { } }\n")


def run_setup(steps, subst):
    for step in steps:
        kind, args = step[0], [subst(a) if isinstance(a, str) else a for a in step[1:]]
        if kind == "copy":
            shutil.copy(args[0], args[1])
        elif kind == "symlink":
            os.symlink(args[0], args[1])
        elif kind == "mkfifo":
            os.mkfifo(args[0])
        elif kind == "mkdir":
            os.mkdir(args[0])
        elif kind == "deep_mlir":
            deep_mlir(args[0], args[1])
        elif kind == "many_unsupported":
            many_unsupported(args[0], args[1])
        elif kind == "many_io":
            many_io(args[0], args[1])
        else:
            raise ValueError("unknown setup step " + kind)


def main():
    txc = os.path.abspath(sys.argv[1])
    filt = sys.argv[sys.argv.index("--filter") + 1] if "--filter" in sys.argv else ""
    verbose = "-v" in sys.argv
    with open(os.path.join(HERE, "cases.json")) as f:
        cases = [c for c in json.load(f) if filt in c["name"]]
    failures, by_class = [], {}
    for c in cases:
        tmp = tempfile.mkdtemp(prefix="txc-malformed-")
        subst = lambda s: s.replace("{m}", os.path.join(HERE, "models")).replace("{t}", tmp)
        problems = []
        try:
            run_setup(c.get("setup", []), subst)
            args = [txc] + [subst(a) for a in c["args"]]
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            start = time.monotonic()
            try:
                p = subprocess.run(args, capture_output=True, timeout=120,
                                   stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                problems.append("timed out after 120 s")
                raise
            seconds = time.monotonic() - start
            rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            err = p.stderr.decode(errors="replace")
            out = p.stdout.decode(errors="replace")
            if p.returncode < 0:
                problems.append("killed by signal %d" % -p.returncode)
            elif p.returncode != c["exit"]:
                problems.append("exit code %d, expected %d" % (p.returncode, c["exit"]))
            for w in c["stderr"]:
                if subst(w) not in err:
                    problems.append("stderr lacks %r" % w)
            for w in c.get("stdout", []):
                if w not in out:
                    problems.append("stdout lacks %r" % w)
            for w in c.get("stdout_absent", []):
                if w in out:
                    problems.append("stdout contains %r" % w)
            for w in FORBIDDEN:
                if w in err:
                    problems.append("stderr contains %r" % w)
            for fpath in c.get("files", []):
                if not os.path.isfile(subst(fpath)):
                    problems.append("missing file " + subst(fpath))
            if "max_stderr_bytes" in c and len(p.stderr) > c["max_stderr_bytes"]:
                problems.append("stderr has %d bytes, at most %d expected"
                                % (len(p.stderr), c["max_stderr_bytes"]))
            if "max_seconds" in c and seconds > c["max_seconds"]:
                problems.append("took %.1f s, at most %d expected" % (seconds, c["max_seconds"]))
            if "max_rss_mb" in c and rss_mb > c["max_rss_mb"] and rss_mb > before / 1024:
                problems.append("peak memory %.0f MB, at most %d expected"
                                % (rss_mb, c["max_rss_mb"]))
            if verbose or problems:
                print("--- %s: exit %d" % (c["name"], p.returncode))
                print(err[:2000].rstrip())
        except subprocess.TimeoutExpired:
            pass
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        cls = c.get("cls", "other")
        ok, total = by_class.get(cls, (0, 0))
        by_class[cls] = (ok + (not problems), total + 1)
        if problems:
            failures.append(c["name"])
            print("FAIL %s: %s" % (c["name"], "; ".join(problems)))
    for cls, (ok, total) in sorted(by_class.items()):
        print("%-12s %d/%d cases pass" % (cls, ok, total))
    print("%d cases, %d failed" % (len(cases), len(failures)))
    if not cases:
        print("no cases ran")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
