"""The PDF of each report page: a real PDF made by WeasyPrint with the page's title, its
figures and its charts, under the page's filters and permissions; and, where WeasyPrint's
libraries are missing, a page that says what to install."""

import io
import sys
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from helpline.desk import pdf

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _wide() -> dict:
    today = timezone.localdate()
    return {"start": (today - timedelta(days=70)).isoformat(), "end": today.isoformat()}


def _read(response) -> tuple[str, PdfReader]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def _images(reader: PdfReader) -> int:
    """Drawn charts: WeasyPrint turns an SVG image into a form XObject of vector paths."""
    count = 0
    for page in reader.pages:
        objects = page["/Resources"].get("/XObject") or {}
        count += len(objects)
    return count


def test_every_report_page_has_a_pdf_with_its_title_figures_and_charts(history, voice):
    client = _client(history.manager)
    wide = _wide()
    volume = client.get("/reports/volume/", wide).content.decode()
    assert 'id="report-pdf"' in volume and "/reports/volume/pdf/?start=" in volume
    text, reader = _read(client.get("/reports/volume/pdf/", wide))
    assert "Volume" in text and "New conversations" in text
    # The figures: the headline as the page shows it, with its n.
    page = client.get("/reports/volume/", wide).content.decode()
    headline = page.split('id="headline-new"')[1].split('class="value"')[1]
    value = headline.split(">")[1].split("<")[0]
    assert value in text and "n = " in text
    assert _images(reader) >= 3  # a chart per volume table
    # No menu, no filter button, no downloads on paper.
    assert "Sign out" not in text and "Download as CSV" not in text and "Show" not in text

    for url, title in (
        ("/reports/responsiveness/pdf/", "Responsiveness"),
        ("/reports/promises/pdf/", "Promises"),
        ("/reports/say/pdf/", "What customers say"),
    ):
        text, reader = _read(client.get(url, wide))
        assert title in text and "previous period" in text, url
        assert _images(reader) >= 1, url
    text, _ = _read(client.get("/reports/candor/pdf/", {"location": history.north.pk}))
    assert "What we think and what customers experience" in text and "North Street" in text


def test_the_pdf_keeps_the_pages_filters_and_permissions(history):
    client = _client(history.manager)
    north = client.get("/reports/volume/pdf/", {**_wide(), "location": history.north.pk})
    text, _ = _read(north)
    assert "North Street" in text
    # Another location's group is not theirs: 404 as on the page.
    assert client.get(f"/reports/candor/pdf/?location={history.south.pk}").status_code == 404
    assert client.get(f"/reports/candor/?location={history.south.pk}").status_code == 404
    # A bad filter: the page with the error next to its field, not a PDF.
    bad = client.get("/reports/volume/pdf/", {"start": "2026-02-30"})
    assert bad.status_code == 400 and 'id="start-error"' in bad.content.decode()
    assert client.get("/reports/nothing/pdf/").status_code == 404
    assert Client().get("/reports/volume/pdf/").status_code == 302  # sign in first


def test_without_weasyprint_the_link_says_what_to_install(history, monkeypatch):
    """The missing-library case cannot run for real here (the libraries are installed):
    the loader fails as WeasyPrint's import does without Pango (an OSError from dlopen)."""

    def missing():
        raise pdf.Unavailable("OSError: cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(pdf, "load_weasyprint", missing)
    client = _client(history.manager)
    response = client.get("/reports/promises/pdf/", {"location": history.north.pk})
    assert response.status_code == 503
    body = response.content.decode()
    assert "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0" in body
    assert "Print" in body
    assert f'href="/reports/promises/?location={history.north.pk}"' in body
    # The page itself still works and still offers the link.
    assert client.get("/reports/promises/").status_code == 200


def test_the_loader_reports_a_missing_weasyprint(monkeypatch):
    """The real loader: an import that fails (here the package itself is missing; without
    Pango it is an OSError from the same import) becomes Unavailable, never a crash."""
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(pdf.Unavailable, match="import of weasyprint"):
        pdf.check()
