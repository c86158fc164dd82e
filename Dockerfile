FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs a key to import settings; the real one comes from the environment at run time.
RUN SECRET_KEY=build-only STATIC_ROOT=/app/staticfiles python manage.py collectstatic --no-input
ENV STATIC_ROOT=/app/staticfiles
RUN useradd --system --uid 1000 lossmit && chown -R lossmit /app
USER lossmit
EXPOSE 8000
