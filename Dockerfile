# GenAI Coach API. Railway builds this file; `preDeployCommand` in railway.toml migrates the DB.
# Python 3.11: the version the lock files (requirements*.txt) are resolved for.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /srv --shell /usr/sbin/nologin app

# The locked dependencies, each checked against its hash, in a layer of their own: a code
# change rebuilds only the layers below, never this one.
COPY requirements.txt ./
RUN pip install --require-hashes --no-deps -r requirements.txt

# The project itself; its dependencies are all in the layer above.
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-deps . \
    && mkdir -p /srv/data \
    && chown app:app /srv/data

USER 10001:10001
EXPOSE 8000

# The shell form expands Railway's $PORT and $WEB_CONCURRENCY (uvicorn workers, one by
# default; see docs/operations.md for the memory each one costs). exec makes uvicorn PID 1 so
# SIGTERM reaches it; it then finishes the requests in flight before exiting.
CMD ["sh", "-c", "exec uvicorn app.main:app --host 0.0.0.0 --port ${PORT:-8000} --workers ${WEB_CONCURRENCY:-1} --proxy-headers --forwarded-allow-ips '*'"]
