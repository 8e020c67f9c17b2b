"""Small HTML tables of results, for notebooks (``_repr_html_``): text escaped, long lists cut."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from typing import Any

import numpy as np

__all__ = ["table", "state_text", "eigen_text", "with_figure"]

MAX_ROWS = 60


def table(caption: str, header: Sequence[str], rows: Sequence[Sequence[Any]],
          note: str = "") -> str:
    """A captioned HTML table; rows beyond :data:`MAX_ROWS` are counted, not shown."""
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>"
                   for r in rows[:MAX_ROWS])
    more = (f"<p>… {len(rows) - MAX_ROWS} more rows (see <code>to_dict()</code>)</p>"
            if len(rows) > MAX_ROWS else "")
    tail = f"<p>{escape(note)}</p>" if note else ""
    return (f"<div><strong>{escape(caption)}</strong><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>{more}{tail}</div>")


def state_text(names: Sequence[str], x: Any, k: int = 4) -> str:
    """The first ``k`` components ``name=value``, or the norm of a long state."""
    x = np.asarray(x, dtype=float)
    if len(x) > 2 * k:
        return f"|x| = {np.linalg.norm(x):.4g}"
    return ", ".join(f"{n}={v:.4g}" for n, v in zip(names, x))


def eigen_text(w: Any, k: int = 3) -> str:
    """The leading eigenvalues, a complex pair shown once as ±."""
    shown: list[str] = []
    for z in np.asarray(w):
        if z.imag < -1e-12:
            continue
        shown.append(f"{z.real:.3g}±{abs(z.imag):.3g}i" if abs(z.imag) > 1e-12
                     else f"{z.real:.3g}")
        if len(shown) == k:
            break
    return ", ".join(shown)


def with_figure(svg: Callable[[], str], table_html: str) -> str:
    """A figure (inline SVG, its XML prologue dropped) above a table. A display must not
    raise: without Graphviz or matplotlib the table alone is shown.

    >>> with_figure(lambda: '<?xml version="1.0"?><svg/>', "<table></table>")
    '<div><svg/><table></table></div>'
    """
    try:
        text = svg()
        text = text[text.index("<svg"):]
    except Exception:  # noqa: BLE001 - whatever failed, the numbers are still shown
        text = ""
    return f"<div>{text}{table_html}</div>"
