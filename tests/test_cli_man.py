#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The man page (tools/phash.1) and the commands' --help agree: every option
a command's --help shows is in that command's part of the man page (its
SYNOPSIS lines and its OPTIONS section), and the other way round; every
option named anywhere in the man page is one some --help shows.
Usage: test_cli_man.py PHASH."""
import os
import re
import subprocess
import sys
import unittest

PHASH = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "phash"
SRC = os.environ.get("PHASH_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), ".."))
MAN = os.path.join(SRC, "tools", "phash.1")
COMMANDS = ("scan", "hash", "sigset", "info")
# Options every command takes, documented once by the synopsis line
# "phash COMMAND --help", and the top level's own.
GLOBAL = {"-h", "--help", "-V", "--version"}
OPTION = re.compile(r"(?<![\w/-])(--[a-z0-9][a-z0-9-]*|-[a-zA-Z])(?![\w-])")


def options_in(text):
    return set(OPTION.findall(text))


def help_text(*args):
    p = subprocess.run([PHASH, *args, "--help"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, (args, p.stderr)
    return p.stdout


def help_options(cmd):
    text = help_text(cmd)
    if cmd == "hash":  # videos have their own --help (phash hash --algo vpdq)
        text += help_text("hash", "--algo", "vpdq")
    return options_in(text) - GLOBAL


def man_plain():
    """The man page as text: escapes of '-' and font changes removed."""
    with open(MAN, encoding="utf-8") as f:
        text = f.read()
    text = text.replace("\\-", "-")
    return re.sub(r"\\f[BIRP]", "", text)


def man_parts():
    """Section name -> text, and command -> its SYNOPSIS text."""
    sections, name, synopsis = {}, None, {}
    for line in man_plain().splitlines():
        if line.startswith(".SH "):
            name = line[4:].strip().strip('"')
            sections[name] = ""
        elif name:
            sections[name] += line + "\n"
    for chunk in sections["SYNOPSIS"].split(".br\n"):
        m = re.match(r"\.B phash ([a-z]+)", chunk)
        if m and m.group(1) in COMMANDS:
            synopsis[m.group(1)] = synopsis.get(m.group(1), "") + chunk
    return sections, synopsis


class ManAndHelp(unittest.TestCase):
    def test_each_command_help_equals_its_man_part(self):
        sections, synopsis = man_parts()
        for cmd in COMMANDS:
            with self.subTest(cmd=cmd):
                self.assertTrue(f"OPTIONS ({cmd})" in sections,
                                f"the man page lacks the section OPTIONS ({cmd})")
                man = options_in(synopsis.get(cmd, "") + sections[f"OPTIONS ({cmd})"]) - GLOBAL
                helped = help_options(cmd)
                self.assertEqual(sorted(helped - man), [], f"in `phash {cmd} --help`, not in "
                                 f"the man page's SYNOPSIS or OPTIONS ({cmd})")
                self.assertEqual(sorted(man - helped), [], f"in the man page for {cmd}, not in "
                                 f"`phash {cmd} --help`")

    def test_every_option_of_the_man_page_is_a_real_one(self):
        known = set(GLOBAL)
        for cmd in COMMANDS:
            known |= help_options(cmd)
        self.assertEqual(sorted(options_in(man_plain()) - known), [])

    def test_help_synopsis_and_version(self):
        text = man_plain()
        self.assertIn(".B phash\n.I COMMAND\n.B --help", text)
        for form in ("version", "--version", "-V"):
            self.assertRegex(text, r"\.B phash " + re.escape(form) + r"\n")

    def test_the_test_sees_options(self):
        """The extraction itself: it finds what it must and nothing else."""
        self.assertEqual(options_in("  -o, --output SET   x --no-nice UTF-8 1/2-1/8 -"),
                         {"-o", "--output", "--no-nice"})
        self.assertIn("--signatures", help_options("scan"))
        self.assertIn("--apply-orientation", help_options("info"))


if __name__ == "__main__":
    unittest.main()
