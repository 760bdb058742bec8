# Pantau Jakon: one image for the web app (gunicorn), the Celery worker and beat, and migrations.
# Build: docker build -t pantau-jakon .   Run everything: docker compose up -d --build
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=config.settings \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    CELERY_DATA_FOLDER=/data/celery

WORKDIR /app

# The app runs as this user (uid/gid 10001, see USER below). The code and the collected static
# files stay owned by root, read-only to the app; only /data (uploaded evidence, beat's schedule)
# is writable. Named volumes mounted on /data/media and /data/celery start with this ownership.
RUN groupadd --system --gid 10001 pantau \
    && useradd --system --uid 10001 --gid pantau --create-home --home-dir /home/pantau \
        --shell /usr/sbin/nologin pantau \
    && mkdir -p /data/media /data/celery \
    && chown -R pantau:pantau /data

# Runtime dependencies only, exactly as pinned (the lock file lists every package, so --no-deps
# keeps anything unpinned out); no dev tools. psycopg[binary] needs no compiler or libpq.
COPY requirements.lock ./
RUN pip install --no-deps -r requirements.lock && pip check

COPY . .

# Static files are collected into the image and served by WhiteNoise (hashed, compressed names).
# Settings refuse to load without SECRET_KEY and ALLOWED_HOSTS, so this step alone gets dummies;
# they are not kept in the image. Compiled translations (.mo) are committed: no gettext here.
RUN SECRET_KEY=collectstatic-at-build-time-only ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
    && python -m compileall -q .

USER 10001:10001

EXPOSE 8000

# GET /healthz answers "ok" without touching the database; see docker/healthcheck.py.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "docker/healthcheck.py"]

# Workers, threads and timeouts come from GUNICORN_* variables (docker/gunicorn.conf.py).
CMD ["gunicorn", "--config", "docker/gunicorn.conf.py", "config.wsgi"]
