"""The PDF report (reportlab): model, equilibria, network, staircase, portrait, provenance.

Reads result objects and figure files; computes nothing.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["write_pdf_report", "write_results_json"]


def write_results_json(path: str | Path, payload: dict[str, Any]) -> Path:
    from ..results.jsonable import jsonable

    p = Path(path)
    p.write_text(json.dumps(jsonable(payload), indent=2) + "\n")
    return p


def _latex_equations(model: Any) -> list[tuple[str, str]]:
    import sympy as sp

    out = []
    if hasattr(model, "equations_v"):
        for e in model.equations_v:
            lhs = f"{e.variable}_{{k+1}}" if model.kind == "map" else f"\\dot{{{e.variable}}}"
            out.append((lhs, _vector_latex(e.text)))
        for name, (mname, _, operand) in getattr(model, "outputs", {}).items():
            out.append((name, _vector_latex(f"{mname}@{operand}")))
        return out
    defs = getattr(model, "definitions", {}) or {}
    for name, expr in list(defs.items())[:6]:
        out.append((name, sp.latex(expr) if len(str(expr)) < 300 else str(expr)[:200] + " ..."))
    for v, e in zip(model.variables, model.equations):
        lhs = f"{sp.latex(sp.Symbol(v))}_{{n+1}}" if model.kind == "map" else \
            f"\\dot{{{sp.latex(sp.Symbol(v))}}}"
        out.append((lhs, sp.latex(e)))
    return out


def _vector_latex(text: str) -> str:
    """Typeset a vector-form right-hand side: W_in -> W_{in}, products as thin spaces."""
    import re

    t = re.sub(r"\b([A-Za-z]+)_([A-Za-z0-9]+)\b", r"\1_{\2}", text)
    t = re.sub(r"\b(tanh|exp|log|sin|cos)\b", r"\\\1", t)
    t = re.sub(r"\bleak\b", r"\\alpha", t)
    return t.replace("@", r"\,").replace("*", r"\,")


def _certified_by(c: Any) -> str:
    """Short form of a connection's certificate for the table."""
    k = c.certificate
    if k is None:
        return "geometric only" if c.space == "state" else "pulse scan"
    if k.method in ("direction-grid", "both-directions"):
        lb = f" ≥ {k.lower_bound:.5g}" if np.isfinite(k.lower_bound) else ""
        return {"certified": "all directions", "rough-boundary": "all dir. (rough)"}.get(
            k.status, "budget") + lb
    return {"multi-start": f"{k.starts} starts", "ray": "ray scan"}.get(k.method, k.method)


def write_pdf_report(path: str | Path, *, model: Any, equilibria: Any, network: Any | None,
                     figures: dict[str, Path], provenance: dict[str, Any],
                     extra_sections: list[tuple[str, list[Any]]] | None = None) -> Path:
    """Compose ``report.pdf`` from results and already-rendered figures (PNG)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        Image,
        KeepTogether,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    from .plots import equation_image

    path = Path(path)
    styles = getSampleStyleSheet()
    body, h1, h2 = styles["BodyText"], styles["Title"], styles["Heading2"]
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    story: list[Any] = []
    width = A4[0] - 4 * cm

    def img(p: Path, max_w: float = width, max_h: float = 16 * cm) -> Any:
        from reportlab.lib.utils import ImageReader

        iw, ih = ImageReader(str(p)).getSize()
        s = min(max_w / iw, max_h / ih)
        return Image(str(p), width=iw * s, height=ih * s)

    def table(rows: list[list[Any]], widths: list[float] | None = None) -> Any:
        t = Table(rows, colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, -1), "Helvetica", 7.5),
            ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    title = getattr(model, "title", "") or model.name
    story += [Paragraph(f"dynena report: {title}", h1),
              Paragraph(f"Model <b>{model.name}</b> ({model.kind}), {provenance.get('n', '?')} "
                        f"state variable{'' if provenance.get('n') == 1 else 's'}. Generated {provenance.get('date', '')} by dynena "
                        f"{provenance.get('version', '')}.", body), Spacer(1, 6)]
    # -- model ---------------------------------------------------------------------------
    story.append(Paragraph("1. The model", h2))
    eqdir = path.parent / ".eq"
    eqdir.mkdir(exist_ok=True)
    eqs = _latex_equations(model)
    for k, (lhs, rhs) in enumerate(eqs[:40]):
        p = eqdir / f"eq{k}.png"
        if len(rhs) < 400 and equation_image(f"{lhs} = {rhs}", p):
            story.append(img(p, max_h=1.6 * cm))
        else:
            story.append(Paragraph(f"<font face='Courier' size=7>{lhs} = {rhs[:600]}</font>", body))
    if len(eqs) > 40:
        story.append(Paragraph(f"... and {len(eqs) - 40} more equations (see the model file).",
                               body))
    params = getattr(model, "parameters", {})
    if params:
        from ..model.model import format_value

        story.append(Paragraph("Parameters: " + ", ".join(
            f"{k} = {format_value(v)}" for k, v in params.items())
            + (" (α is the leak)" if "leak" in params and hasattr(model, "equations_v") else ""),
            body))
    # -- equilibria ----------------------------------------------------------------------
    story.append(Paragraph("2. Equilibria", h2))
    story.append(Paragraph(f"{len(equilibria)} equilibria; method: {equilibria.method}. "
                           f"Guarantee: {equilibria.guarantee}. Residual tolerance "
                           f"{equilibria.tolerances.get('residual', '')}.", body))
    rows = [["id", "type", "index", "state (first components)", "leading eigenvalues",
             "|F|", "label"]]
    for e in equilibria.equilibria[:60]:
        st = ", ".join(f"{v:.4g}" for v in e.state[:4]) + (" ..." if len(e.state) > 4 else "")
        shown = []
        for z in e.eigenvalues:
            if z.imag < -1e-12:
                continue  # its conjugate is shown as ±
            shown.append(f"{z.real:.3g}±{abs(z.imag):.3g}i" if abs(z.imag) > 1e-12
                         else f"{z.real:.3g}")
            if len(shown) == 2:
                break
        ev = ", ".join(shown)
        rows.append([e.id, e.type, str(e.unstable_dim), st, ev, f"{e.residual:.1e}",
                     e.label or ""])
    story.append(table(rows, [1.1 * cm, 3.6 * cm, 1.3 * cm, 4.4 * cm, 3.8 * cm, 1.4 * cm, 1.4 * cm]))
    if len(equilibria) > 60:
        story.append(Paragraph(f"... {len(equilibria) - 60} more in results.json.", small))
    if equilibria.slow_points:
        story.append(Paragraph(f"{len(equilibria.slow_points)} slow point(s) (local minima of "
                               "q with q > 0) were found; they are not equilibria.", body))
    # -- network -------------------------------------------------------------------------
    if network is not None:
        story.append(PageBreak())
        story.append(Paragraph("3. The excitable network", h2))
        amp = "input-pulse amplitude" if network.space == "input" else \
            "norm of an instantaneous state-space kick"
        story.append(Paragraph(
            f"Nodes are the stable states; an edge i → j carries the threshold δ<sub>ij</sub>, "
            f"the smallest {amp} that sends the system from i to j. {network.message}.", body))
        if "network_png" in figures:
            story.append(img(figures["network_png"], max_h=12 * cm))
        rows = [["source", "target", "threshold δ", "bracket", "via", "direction / input",
                 "traj.", "certified by"]]
        for c in network.connections[:80]:
            if c.space == "input":
                what = f"channel {c.channel}, sign {c.sign:+d}, width {c.width}"
            elif c.direction is not None:
                big = np.argsort(-np.abs(c.direction))[:3]
                what = ", ".join(f"{network.names[j]} {c.direction[j]:+.3f}" for j in big)
            else:
                what = ""
            rows.append([c.source, c.target, f"{c.threshold:.7g}",
                         f"[{c.bracket[0]:.6g}, {c.bracket[1]:.6g}]", c.via or "-", what,
                         str(c.trajectories), _certified_by(c)])
        story.append(table(rows, [1.3 * cm, 1.5 * cm, 1.9 * cm, 3.2 * cm, 1.1 * cm, 3.9 * cm,
                                  1.0 * cm, 2.4 * cm]))
        certs = [c.certificate for c in network.connections if c.certificate is not None]
        if certs:
            story.append(Paragraph(
                "How each threshold was established: " + certs[0].statement + ". Lower bounds "
                "per connection are in results.json (certificate.lower_bound).", body))
        if "staircase_png" in figures:
            story.append(Spacer(1, 8))
            story.append(img(figures["staircase_png"], max_h=7 * cm))
    if "portrait_png" in figures:
        story.append(KeepTogether([Paragraph("4. Phase portrait / projection", h2),
                                   img(figures["portrait_png"], max_h=11 * cm)]))
    for heading, items in extra_sections or []:
        story.append(PageBreak())
        story.append(Paragraph(heading, h2))
        for it in items:
            if isinstance(it, Path):
                story.append(img(it, max_h=10 * cm))
            elif isinstance(it, list):
                story.append(table(it))
            else:
                story.append(Paragraph(str(it), body))
    # -- provenance ----------------------------------------------------------------------
    rows = [["quantity", "value"]] + [[k, json.dumps(v, default=str)[:160]]
                                      for k, v in provenance.items()]
    story.append(KeepTogether([Paragraph("Provenance", h2), table(rows, [5 * cm, 12 * cm])]))
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm,
                            topMargin=1.8 * cm, bottomMargin=1.8 * cm,
                            title=f"dynena report: {title}", author="dynena")
    doc.build(story)
    for p in eqdir.glob("*.png"):
        p.unlink()
    eqdir.rmdir()
    return path


def provenance(**kw: Any) -> dict[str, Any]:
    from .. import __version__

    return {"version": __version__,
            "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), **kw}
