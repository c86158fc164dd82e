from django.http import HttpResponse


def evaluate(request, **kwargs):
    # Placeholder route so the URL exists; the page is being built (issue 5).
    return HttpResponse(status=501)
