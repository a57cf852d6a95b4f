"""A report page as a PDF: the page's own HTML, under its print stylesheet, through WeasyPrint.

Generic over report pages: EXPORTABLE lists which pages have a PDF (its slug, the page's URL
name `desk:reports-<slug>`, and the page's view); adding a page is one line. The PDF view
calls the page's view with the same request, so the filters, the permission checks (404 for
a group the viewer may not see) and the form's errors are the page's own.

WeasyPrint needs Debian's Pango libraries (docs/operations.md). It is imported when a PDF is
asked for, never at start: without the libraries Helpline installs and runs, and the PDF
link answers with a page saying what to install (the browser's Print works meanwhile).

Nothing is fetched over the network while rendering: the page's stylesheets are read from
the static files on disk and its charts are data: URLs (helpline.reports.charts); any other
URL is refused.
"""

from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.utils.module_loading import import_string

# slug → the page's view. A new report page that should have a PDF adds its line here.
EXPORTABLE = {
    "volume": "helpline.desk.views.reports.volume",
    "responsiveness": "helpline.desk.views.reports.responsiveness",
    "promises": "helpline.desk.views.reports.promises",
    "say": "helpline.desk.views.reports_say.say",
    "candor": "helpline.desk.views.perception.candor",
}

# What a Debian 12 machine needs for WeasyPrint (the same list is in .ci/run and
# docs/operations.md).
PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"


class Unavailable(Exception):
    """WeasyPrint or the libraries it loads are missing; str() says what failed."""


def page_view(slug: str) -> Callable | None:
    path = EXPORTABLE.get(slug)
    return import_string(path) if path else None


def load_weasyprint():
    """The weasyprint module, imported on first use (it loads Pango through ctypes/cffi,
    which raises OSError when the library is not installed)."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        raise Unavailable(f"{type(exc).__name__}: {exc}") from exc
    return weasyprint


def check() -> None:
    """Raise Unavailable unless a PDF can be made here."""
    load_weasyprint()


def _static_file(path: str) -> Path | None:
    """The file on disk behind a /static/… path: the collected copy, else the app's own."""
    prefix = "/" + settings.STATIC_URL.lstrip("/")
    if not path.startswith(prefix):
        return None
    name = unquote(path[len(prefix) :])
    if not name or ".." in name.split("/"):
        return None
    collected = Path(staticfiles_storage.path(name))
    if collected.is_file():
        return collected
    found = finders.find(name)
    return Path(found) if isinstance(found, str) else None


def _fetcher(weasyprint):
    from weasyprint.urls import URLFetcherResponse

    class StaticOnly(weasyprint.URLFetcher):
        """data: URLs and our own static files; nothing else (no request leaves the process)."""

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            file = _static_file(urlsplit(url).path)
            if file is None:
                raise ValueError(f"not fetched while making a PDF: {url[:200]}")
            kind = "text/css" if file.suffix == ".css" else "application/octet-stream"
            return URLFetcherResponse(url, file.read_bytes(), {"Content-Type": kind})

    return StaticOnly()


def render(html: str, base_url: str) -> bytes:
    """The PDF of a page's HTML (media type print, so its @media print rules apply)."""
    weasyprint = load_weasyprint()
    document = weasyprint.HTML(
        string=html, base_url=base_url, url_fetcher=_fetcher(weasyprint), media_type="print"
    )
    return document.write_pdf()
