#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The shared library exports exactly the functions declared PHASH_API in the
public headers: nothing internal leaks, nothing public is missing."""
import pathlib
import re
import subprocess
import sys

lib, include_dir = sys.argv[1], pathlib.Path(sys.argv[2])
declared = set()
for header in include_dir.glob("*.h"):
    text = header.read_text()
    # A declaration: PHASH_API <type...> name(  possibly across lines.
    for m in re.finditer(r"PHASH_API\s+[^;{(]*?\b(phash_\w+)\s*\(", text):
        declared.add(m.group(1))


def exported_elf(lib):
    """The dynamic symbol table's defined symbols (nm -D)."""
    out = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True,
                         check=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] in "TtDdBbRrWwVv":
            names.add(parts[2].split("@")[0])
    return names


def exported_pe(lib, objdump):
    """A DLL's export table (objdump -p: the [Ordinal/Name Pointer] Table),
    which is what a program linking it sees; nm shows every COFF symbol."""
    out = subprocess.run([objdump, "-p", lib], capture_output=True, text=True,
                         check=True).stdout
    names, in_table = set(), False
    for line in out.splitlines():
        if line.startswith("[Ordinal/Name Pointer] Table"):
            in_table = True
        elif in_table:
            m = re.match(r"\s*\[\s*\d+\]\s+(\S+)", line)
            if not m:
                break
            names.add(m.group(1))
    return names


# A DLL: check_exports.py LIB.dll INCLUDE_DIR OBJDUMP (the cross binutils').
exported = exported_pe(lib, sys.argv[3]) if lib.endswith(".dll") else exported_elf(lib)
extra = sorted(exported - declared)
missing = sorted(declared - exported)
for name in extra:
    print(f"exported but not declared PHASH_API: {name}")
for name in missing:
    print(f"declared PHASH_API but not exported: {name}")
if not declared:
    print("no PHASH_API declarations found")
    sys.exit(1)
print(f"{len(exported)} exported symbols, {len(declared)} declared")
sys.exit(1 if extra or missing else 0)
