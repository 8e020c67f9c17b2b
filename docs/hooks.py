"""MkDocs hooks.

- A command page's ``<!-- dynena-help NAME -->`` becomes that command's ``--help`` text, so the
  option lists in the documentation cannot drift from the parser.
- Docstrings are written with reST roles (``:func:`x```, ``:math:`...```) for readers of the
  source; in the rendered API pages the role prefix is dropped and the code span kept.
"""

from __future__ import annotations

import os
import re
from typing import Any

_MARK = re.compile(r"<!-- dynena-help ([a-z-]+) -->")
_ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|obj|exc|math):(?=<code>)")


def on_page_markdown(markdown: str, **_: Any) -> str:
    if "dynena-help" not in markdown:
        return markdown
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal: fix the width
    from dynena.cli.main import command_parsers

    parsers = command_parsers()

    def help_text(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in parsers:
            raise KeyError(f"no dynena command {name!r} (documented in a command page)")
        return "```text\n" + parsers[name].format_help().rstrip() + "\n```"

    return _MARK.sub(help_text, markdown)


def on_page_content(html: str, **_: Any) -> str:
    return _ROLE.sub("", html)
