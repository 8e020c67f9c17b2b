"""The PDF report (reportlab): model, equilibria, network, staircase, portrait, provenance.

Reads result objects and figure files; computes nothing.
"""

from __future__ import annotations

import datetime as _dt
import json
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from ..model.model import Model
from ..model.protocol import SystemModel
from ..model.vector import VectorModel
from ..results.equilibria import EquilibriumSet
from ..results.network import Connection, ExcitableNetwork

__all__ = ["write_pdf_report", "write_results_json"]


def write_results_json(path: str | Path, payload: dict[str, Any]) -> Path:
    from ..results.jsonable import jsonable

    p = Path(path)
    p.write_text(json.dumps(jsonable(payload), indent=2) + "\n")
    return p


def _latex_equations(model: SystemModel) -> list[tuple[str, str]]:
    import sympy as sp

    out = []
    if isinstance(model, VectorModel):
        for e in model.equations_v:
            lhs = f"{e.variable}_{{k+1}}" if model.kind == "map" else f"\\dot{{{e.variable}}}"
            out.append((lhs, _vector_latex(e.text)))
        for name, (mname, _, operand) in model.outputs.items():
            out.append((name, _vector_latex(f"{mname}@{operand}")))
        return out
    assert isinstance(model, Model)  # the two forms of model
    defs = model.definitions
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


def _certified_by(c: Connection) -> str:
    """Short form of a connection's certificate for the table."""
    k = c.certificate
    if k is None:
        return "geometric only" if c.space == "state" else "pulse scan"
    if k.method in ("direction-grid", "both-directions"):
        lb = f" ≥ {k.lower_bound:.5g}" if np.isfinite(k.lower_bound) else ""
        return {"certified": "all directions", "rough-boundary": "all dir. (rough)",
                "sampled-source": "all dir., sampled source"}.get(k.status, "budget") + lb
    if k.method == "multi-start":  # and whether the best value is shown to be a local minimum
        local = {None: "", True: ", local min.", False: ", not settled"}[
            None if k.local is None else k.settled]
        if k.settled and k.kink:  # where boundaries meet: first order only
            local = ", kink (1st order)"
        return f"{k.starts} starts{local}"
    return {"ray": "ray scan"}.get(k.method, k.method)


def write_pdf_report(path: str | Path, *, model: SystemModel, equilibria: EquilibriumSet, network: ExcitableNetwork | None,
                     figures: dict[str, Path], provenance: dict[str, Any],
                     extra_sections: list[tuple[str, list[Any]]] | None = None) -> Path:
    """Compose ``report.pdf`` from results and already-rendered figures (PNG)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.platypus import SimpleDocTemplate

    path = Path(path)
    pdf = _Pdf(path.parent / ".eq")
    title = model.title or model.name
    _title_block(pdf, model, title, provenance)
    if network is not None:
        from .summary import network_summary

        pdf.add(pdf.para(f"<b>In short.</b> {escape(network_summary(network))}"))
    _model_section(pdf, model)
    _equilibria_section(pdf, equilibria)
    if network is not None:
        _network_section(pdf, network, figures)
    if "portrait_png" in figures:
        pdf.keep_together(pdf.heading("4. Phase portrait / projection"),
                          pdf.image(figures["portrait_png"], max_h=11 * cm))
    for heading, items in extra_sections or []:
        _free_section(pdf, heading, items)
    rows = [["quantity", "value"]] + [[k, json.dumps(v, default=str)[:160]]
                                      for k, v in provenance.items()]
    pdf.keep_together(pdf.heading("Provenance"), pdf.table(rows, [5 * cm, 12 * cm]))
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm,
                            topMargin=1.8 * cm, bottomMargin=1.8 * cm,
                            title=f"dynena report: {title}", author="dynena")
    try:
        doc.build(pdf.story)
    finally:
        pdf.clean()
    return path


class _Pdf:
    """A report being composed: reportlab's story plus the styles and helpers of dynena's
    layout (A4, 2 cm margins, small grid tables)."""

    def __init__(self, scratch: Path) -> None:
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.styles import getSampleStyleSheet
        from reportlab.lib.units import cm

        styles = getSampleStyleSheet()
        self.body, self.h1, self.h2 = styles["BodyText"], styles["Title"], styles["Heading2"]
        self.small = styles["BodyText"].clone("small", fontSize=8, leading=10)
        self.width = A4[0] - 4 * cm
        self.story: list[Any] = []
        self.scratch = scratch  # equation images, removed after the build
        scratch.mkdir(exist_ok=True)

    def add(self, *flowables: Any) -> None:
        self.story.extend(flowables)

    def para(self, text: str, style: Any = None) -> Any:
        from reportlab.platypus import Paragraph

        return Paragraph(text, style or self.body)

    def heading(self, text: str) -> Any:
        return self.para(text, self.h2)

    def image(self, p: Path, max_w: float | None = None, max_h: float | None = None) -> Any:
        from reportlab.lib.units import cm
        from reportlab.lib.utils import ImageReader
        from reportlab.platypus import Image

        max_w = self.width if max_w is None else max_w
        max_h = 16 * cm if max_h is None else max_h
        iw, ih = ImageReader(str(p)).getSize()
        s = min(max_w / iw, max_h / ih)
        return Image(str(p), width=iw * s, height=ih * s)

    def table(self, rows: list[list[Any]], widths: list[float] | None = None) -> Any:
        from reportlab.lib import colors
        from reportlab.platypus import Table, TableStyle

        t = Table(rows, colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, -1), "Helvetica", 7.5),
            ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    def keep_together(self, *flowables: Any) -> None:
        from reportlab.platypus import KeepTogether

        self.story.append(KeepTogether(list(flowables)))

    def page_break(self) -> None:
        from reportlab.platypus import PageBreak

        self.story.append(PageBreak())

    def clean(self) -> None:
        for p in self.scratch.glob("*.png"):
            p.unlink()
        self.scratch.rmdir()


def _title_block(pdf: _Pdf, model: SystemModel, title: str, provenance: dict[str, Any]) -> None:
    from reportlab.platypus import Spacer

    n = provenance.get("n", "?")
    pdf.add(pdf.para(f"dynena report: {title}", pdf.h1),
            pdf.para(f"Model <b>{model.name}</b> ({model.kind}), {n} state "
                     f"variable{'' if n == 1 else 's'}. Generated {provenance.get('date', '')} "
                     f"by dynena {provenance.get('version', '')}.", pdf.body),
            Spacer(1, 6))


def _model_section(pdf: _Pdf, model: SystemModel) -> None:
    """1. The equations (typeset where short), the parameters with their exact values."""
    from reportlab.lib.units import cm

    from .plots import equation_image

    pdf.add(pdf.heading("1. The model"))
    eqs = _latex_equations(model)
    for k, (lhs, rhs) in enumerate(eqs[:40]):
        p = pdf.scratch / f"eq{k}.png"
        if len(rhs) < 400 and equation_image(f"{lhs} = {rhs}", p):
            pdf.add(pdf.image(p, max_h=1.6 * cm))
        else:
            pdf.add(pdf.para(f"<font face='Courier' size=7>{lhs} = {rhs[:600]}</font>"))
    if len(eqs) > 40:
        pdf.add(pdf.para(f"... and {len(eqs) - 40} more equations (see the model file)."))
    params = model.parameters
    if params:
        from ..model.values import format_value

        pdf.add(pdf.para("Parameters: " + ", ".join(
            f"{k} = {format_value(v)}" for k, v in params.items())
            + (" (α is the leak)" if "leak" in params and isinstance(model, VectorModel) else "")))


def _eigen_text(w: Any) -> str:
    """The two leading eigenvalues, a complex pair shown once as ±."""
    shown = []
    for z in w:
        if z.imag < -1e-12:
            continue  # its conjugate is shown as ±
        shown.append(f"{z.real:.3g}±{abs(z.imag):.3g}i" if abs(z.imag) > 1e-12
                     else f"{z.real:.3g}")
        if len(shown) == 2:
            break
    return ", ".join(shown)


def _equilibria_section(pdf: _Pdf, equilibria: EquilibriumSet) -> None:
    """2. The method, its guarantee, and a table of the first 60 equilibria."""
    from reportlab.lib.units import cm

    pdf.add(pdf.heading("2. Equilibria"),
            pdf.para(f"{len(equilibria)} equilibria; method: {equilibria.method}. "
                     f"Guarantee: {equilibria.guarantee}. Residual tolerance "
                     f"{equilibria.tolerances.get('residual', '')}."))
    rows = [["id", "type", "index", "state (first components)", "leading eigenvalues",
             "|F|", "label"]]
    for e in equilibria.equilibria[:60]:
        st = ", ".join(f"{v:.4g}" for v in e.state[:4]) + (" ..." if len(e.state) > 4 else "")
        rows.append([e.id, e.type, str(e.unstable_dim), st, _eigen_text(e.eigenvalues),
                     f"{e.residual:.1e}", e.label or ""])
    pdf.add(pdf.table(rows, [1.1 * cm, 3.6 * cm, 1.3 * cm, 4.4 * cm, 3.8 * cm, 1.4 * cm,
                             1.4 * cm]))
    if len(equilibria) > 60:
        pdf.add(pdf.para(f"... {len(equilibria) - 60} more in results.json.", pdf.small))
    if equilibria.slow_points:
        pdf.add(pdf.para(f"{len(equilibria.slow_points)} slow point(s) (local minima of q with "
                         "q > 0) were found; they are not equilibria."))


def _connection_row(network: ExcitableNetwork, c: Connection) -> list[str]:
    if c.space == "input":
        what = f"channel {c.channel}, sign {c.sign:+d}, width {c.width}"
    elif c.direction is not None:
        big = np.argsort(-np.abs(c.direction))[:3]
        what = ", ".join(f"{network.names[j]} {c.direction[j]:+.3f}" for j in big)
    else:
        what = ""
    return [c.source, c.target, f"{c.threshold:.7g}", f"[{c.bracket[0]:.6g}, {c.bracket[1]:.6g}]",
            c.via or "-", what, str(c.trajectories), _certified_by(c)]


def _network_section(pdf: _Pdf, network: ExcitableNetwork, figures: dict[str, Path]) -> None:
    """3. What an edge means, the drawing, the connections with their certificates, the
    staircase."""
    from reportlab.lib.units import cm
    from reportlab.platypus import Spacer

    pdf.page_break()
    amp = "input-pulse amplitude" if network.space == "input" else \
        "norm of an instantaneous state-space kick"
    pdf.add(pdf.heading("3. The excitable network"), pdf.para(
        f"Nodes are the stable states; an edge i → j carries the threshold δ<sub>ij</sub>, "
        f"the smallest {amp} that sends the system from i to j. {network.message}."))
    if "network_png" in figures:
        pdf.add(pdf.image(figures["network_png"], max_h=12 * cm))
    rows = [["source", "target", "threshold δ", "bracket", "via", "direction / input",
             "traj.", "certified by"]] + [_connection_row(network, c)
                                          for c in network.connections[:80]]
    pdf.add(pdf.table(rows, [1.3 * cm, 1.5 * cm, 1.9 * cm, 3.2 * cm, 1.1 * cm, 3.9 * cm,
                             1.0 * cm, 2.4 * cm]))
    certs = [c.certificate for c in network.connections if c.certificate is not None]
    if certs:
        pdf.add(pdf.para("How each threshold was established: " + certs[0].statement
                         + ". Lower bounds per connection are in results.json "
                         "(certificate.lower_bound)."))
    if "staircase_png" in figures:
        pdf.add(Spacer(1, 8), pdf.image(figures["staircase_png"], max_h=7 * cm))
    grid = network.attractors.grid if network.attractors is not None else None
    if "basins_png" in figures and grid is not None:
        sb, sbb = grid.entropy
        pdf.keep_together(pdf.para(
            f"Basins of attraction on a {grid.codes.shape[1]} × {grid.codes.shape[0]} grid. "
            f"Basin entropy S<sub>b</sub> = {sb:.3f}, boundary basin entropy "
            f"S<sub>bb</sub> = {sbb:.3f} (Daza et al. 2016; S<sub>bb</sub> above log 2 "
            f"says the boundary is fractal: "
            f"{'it is' if grid.fractal else 'not shown here'})."),
            pdf.image(figures["basins_png"], max_h=10 * cm))


def _free_section(pdf: _Pdf, heading: str, items: list[Any]) -> None:
    """A section of figures (paths), tables (lists of rows) and paragraphs, in order."""
    from reportlab.lib.units import cm

    pdf.page_break()
    pdf.add(pdf.heading(heading))
    for it in items:
        if isinstance(it, Path):
            pdf.add(pdf.image(it, max_h=10 * cm))
        elif isinstance(it, list):
            pdf.add(pdf.table(it))
        else:
            pdf.add(pdf.para(str(it)))


def provenance(**kw: Any) -> dict[str, Any]:
    from .._version import __version__

    return {"version": __version__,
            "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), **kw}
