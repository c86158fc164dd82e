"""Content-Security-Policy for every response.

Scripts load only from our own static files (htmx is vendored; no inline scripts anywhere in
our templates), so an injected <script> cannot run. htmx is configured with
includeIndicatorStyles off (templates/base.html) so it needs no inline style either. The one
exception is the Swagger UI at /api/docs/, whose sidecar page boots with an inline script.
"""

from django.conf import settings

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# drf-spectacular's Swagger page starts Swagger UI from an inline script and styles.
RELAXED_PREFIXES = ("/api/docs/",)
RELAXED = {**POLICY, "script-src": "'self' 'unsafe-inline'", "style-src": "'self' 'unsafe-inline'"}


def _header(policy: dict[str, str]) -> str:
    return "; ".join(f"{directive} {value}" for directive, value in policy.items())


STRICT_HEADER = _header(POLICY)
RELAXED_HEADER = _header(RELAXED)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.report_only = getattr(settings, "CSP_REPORT_ONLY", False)

    def __call__(self, request):
        response = self.get_response(request)
        header = RELAXED_HEADER if request.path.startswith(RELAXED_PREFIXES) else STRICT_HEADER
        name = "Content-Security-Policy-Report-Only" if self.report_only else "Content-Security-Policy"
        response.headers.setdefault(name, header)
        return response
