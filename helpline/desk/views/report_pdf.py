"""The PDF of a report page (helpline.desk.pdf): the page itself, rendered for print.

Same filters as the page (the query string is the page's own); what the viewer may not see
is 404 as on the page, and a bad filter answers the page with its errors (400). Without
WeasyPrint's libraries the answer is a page saying what to install (503).
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from helpline.desk import pdf


@login_required
@require_http_methods(["GET", "HEAD"])
def report_pdf(request, page: str):
    view = pdf.page_view(page)
    if view is None:
        raise Http404("No such report")
    try:
        pdf.check()
    except pdf.Unavailable as exc:
        query = request.GET.urlencode()
        context = {
            "nav": "reports",
            "packages": pdf.PACKAGES,
            "error": str(exc),
            "back": reverse(f"desk:reports-{page}") + (f"?{query}" if query else ""),
            "page": page,
        }
        return render(request, "desk/reports/pdf_unavailable.html", context, status=503)
    response = view(request)
    if response.status_code != 200:  # the page's own answer: its form's errors
        return response
    data = pdf.render(response.content.decode(), request.build_absolute_uri("/"))
    filename = f"{page}-{timezone.localdate().isoformat()}.pdf"
    return HttpResponse(
        data,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


urlpatterns = [path("reports/<slug:page>/pdf/", report_pdf, name="reports-pdf")]
