from django.conf import settings
from django.contrib.auth.views import redirect_to_login

# Every page needs a login. These paths are the only exceptions: logging in, the health probe
# (load balancers call it unauthenticated), static files, and the API, which answers 401 itself.
PUBLIC_PREFIXES = ("/accounts/login/", "/healthz", "/static/", "/api/")


class LoginRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)
