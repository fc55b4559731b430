#!/usr/bin/env python3
"""Generates TxcOpFacts.inc from the JSON dump of ir/TxcOps.td.

  llvm-tblgen --dump-json -I <mlir include> -I <src> ir/TxcOps.td -o TxcOps.json
  gen_op_facts.py TxcOps.json TxcOpFacts.inc

The ODS definitions are the one source of each op's operands (required,
optional, variadic), results and attributes (name, kind, required, default).
The importer checks every ONNX node against these facts before it creates
an op, so no accessor ever sees a missing operand or an attribute of the
wrong kind. An attribute constraint this script does not know is an error:
a new kind must be added here (and to the importer's conversion).
"""
import json
import sys

# ODS attribute constraint -> ir/OpFacts.h AttrKind.
ATTR_KINDS = {
    "I64Attr": "Int",
    "F32Attr": "Float",
    "StrAttr": "String",
    "I64ArrayAttr": "Ints",
    "F32ArrayAttr": "Floats",
    "StrArrayAttr": "Strings",
    "ElementsAttr": "Tensor",
}
OPERAND_TYPES = {"Txc_Tensor", "AnyRankedTensor", "AnyTensor"}
OPTIONAL_OPERAND_TYPES = {"Txc_OptTensor"}


def cstr(s):
    if s is None:
        return "nullptr"
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    src, out = sys.argv[1], sys.argv[2]
    with open(src) as f:
        d = json.load(f)
    rows = []
    for rec_name in d["!instanceof"]["Op"]:
        rec = d[rec_name]
        dialect = rec["opDialect"]["def"]
        if dialect != "Txc_Dialect":
            continue
        name = rec["opName"]
        operands, attrs = [], []
        for arg, arg_name in rec["arguments"]["args"]:
            adef = d[arg["def"]]
            supers = adef["!superclasses"]
            if "Attr" in supers:
                required, default, base = True, None, arg["def"]
                if "DefaultValuedAttr" in supers or "OptionalAttr" in supers:
                    required = False
                    base = adef["baseAttr"]["def"]
                    if "DefaultValuedAttr" in supers:
                        default = adef["defaultValue"]
                if base not in ATTR_KINDS:
                    sys.exit(f"gen_op_facts: op {name}: attribute {arg_name} has "
                             f"the constraint {base}, which has no AttrKind")
                attrs.append((arg_name, ATTR_KINDS[base], required, default))
            elif "Variadic" in supers:
                operands.append((arg_name, False, True))
            elif arg["def"] in OPTIONAL_OPERAND_TYPES:
                operands.append((arg_name, True, False))
            elif arg["def"] in OPERAND_TYPES:
                operands.append((arg_name, False, False))
            else:
                sys.exit(f"gen_op_facts: op {name}: operand {arg_name} has the "
                         f"type {arg['def']}, which this script does not know")
        results = rec["results"]["args"]
        variadic_results = any("Variadic" in d[r[0]["def"]]["!superclasses"]
                               for r in results)
        rows.append((name, operands, len(results), variadic_results, attrs))
    rows.sort(key=lambda r: r[0])

    lines = ["// Generated from ir/TxcOps.td by ir/gen_op_facts.py. Do not edit.",
             ""]
    ident = lambda n: "k_" + n.replace(".", "_")
    for name, operands, _, _, attrs in rows:
        if operands:
            lines.append(f"static const OperandFact {ident(name)}_operands[] = {{")
            for o in operands:
                lines.append(f"    {{{cstr(o[0])}, {str(o[1]).lower()}, "
                             f"{str(o[2]).lower()}}},")
            lines.append("};")
        if attrs:
            lines.append(f"static const AttrFact {ident(name)}_attrs[] = {{")
            for a in attrs:
                lines.append(f"    {{{cstr(a[0])}, AttrKind::{a[1]}, "
                             f"{str(a[2]).lower()}, {cstr(a[3])}}},")
            lines.append("};")
    lines.append("static const OpFact kOpFacts[] = {")
    for name, operands, nres, vres, attrs in rows:
        ops = f"{ident(name)}_operands" if operands else "nullptr"
        ats = f"{ident(name)}_attrs" if attrs else "nullptr"
        lines.append(f"    {{{cstr(name)}, {ops}, {len(operands)}, {nres}, "
                     f"{str(vres).lower()}, {ats}, {len(attrs)}}},")
    lines.append("};")
    text = "\n".join(lines) + "\n"
    try:
        with open(out) as f:
            if f.read() == text:
                return
    except OSError:
        pass
    with open(out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
