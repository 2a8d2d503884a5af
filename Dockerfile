# GenAI Coach API. Railway builds this file; `preDeployCommand` in railway.toml migrates the DB.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /srv --shell /usr/sbin/nologin app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install . \
    && mkdir -p /srv/data \
    && chown app:app /srv/data

USER 10001:10001
EXPOSE 8000

# The shell form expands Railway's $PORT; exec makes uvicorn PID 1 so SIGTERM reaches it.
# The app itself believes X-Forwarded-* only from FORWARDED_ALLOW_IPS: uvicorn must not.
CMD ["sh", "-c", "exec uvicorn app.main:app --host 0.0.0.0 --port ${PORT:-8000} --no-proxy-headers"]
