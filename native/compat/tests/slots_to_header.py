#!/usr/bin/env python3
"""vtable_slots.json -> a C++ table {class, method, "param, param", const, slot} for compat_slots_test."""
import json
import sys

src, dst = sys.argv[1], sys.argv[2]
with open(src) as f:
    interfaces = json.load(f)["interfaces"]
rows = []
for cls, methods in interfaces.items():
    for m in methods:
        sig = ", ".join(m["params"])
        rows.append('    {"%s", "%s", "%s", %s, %d},' % (cls, m["name"], sig, "true" if m["const"] else "false", m["slot"]))
with open(dst, "w") as f:
    f.write("// Generated at build time from vtable_slots.json by slots_to_header.py.\n#pragma once\n")
    f.write("struct ExpectedSlot { const char* cls; const char* name; const char* params; bool is_const; int slot; };\n")
    f.write("static const ExpectedSlot kExpectedSlots[] = {\n" + "\n".join(rows) + "\n};\n")
