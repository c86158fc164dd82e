"""Gunicorn reads this file from the working directory on its own (docker-compose, bench/load.py).

Access log lines carry the method, the path and the status, never the query string or the
referrer: a loan search by phone number (/loans/?q=4045550187) would otherwise write the
borrower's number into every access log line (issue 7: no personal data in logs). Django's own
logs go through lossmit/log_filters.py; gunicorn's access log does not, hence this format.
"""

# %(U)s is the path without the query string; %(r)s (the request line), %(q)s (the query) and
# %(f)s (the referrer, itself a URL with a query) are deliberately absent.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'

# Load the application once in the master, then freeze what it allocated: every worker forks
# with Django, the URL conf and every view already imported, and the garbage collector never
# walks those long-lived objects again (they are most of the heap). Measured on the worklist
# and the loans API: a fifth less CPU per request (bench/load.py). The price: a code change
# needs a restart, not a HUP.
preload_app = True


def when_ready(server):  # gunicorn hook: the master has loaded the app; workers fork next
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 -- imports every view module before the fork
    gc.collect()
    gc.freeze()
