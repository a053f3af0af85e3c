#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Print the folder under PREFIX where `meson install` puts the Python
package: the first folder of this interpreter's sys.path under PREFIX/lib (on
Debian, /usr/local/lib/python3.X/dist-packages for /usr/local, which meson's
own default, lib/python3/dist-packages, is not), else the purelib folder of
the posix_prefix scheme (then PYTHONPATH must name it).

usage: install_dir.py PREFIX"""
import os
import sys
import sysconfig


def main():
    prefix = os.path.abspath(sys.argv[1])
    for entry in sys.path:
        rel = os.path.relpath(entry, prefix) if entry.startswith(prefix + os.sep) else ""
        if rel.startswith("lib" + os.sep) and entry.endswith("-packages"):
            print(entry)
            return
    print(sysconfig.get_path("purelib", "posix_prefix", vars={"base": prefix, "platbase": prefix}))


if __name__ == "__main__":
    main()
