# Load Celery with Django so @shared_task binds to our app (the usual Django wiring).
from lossmit.celery import app as celery_app

__all__ = ("celery_app",)
