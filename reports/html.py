"""A self-contained HTML report: figures embedded as data URIs, no scripts, no network."""

from __future__ import annotations

import base64

from jinja2 import Environment, PackageLoader, select_autoescape

from reports.document import Report

_ENV = Environment(loader=PackageLoader("reports"), autoescape=select_autoescape(["j2"]))
_ENV.filters["b64"] = lambda data: base64.b64encode(data).decode("ascii")


def render_html(report: Report) -> str:
    return _ENV.get_template("report.html.j2").render(report=report)
