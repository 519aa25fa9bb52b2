# The hub as a container image. The database is a separate PostGIS service (docker-compose.yml).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md requirements-runtime.lock ./
# The locked versions, checked against their hashes (`make lock` writes the file).
RUN pip install --require-hashes --no-deps -r requirements-runtime.lock
COPY hub ./hub
COPY sql ./sql
# Editable, so the migrations in /app/sql stay beside the package they belong to.
RUN pip install --no-deps -e . && useradd --create-home --uid 10001 hub
USER hub
ENV HUB_HOME=/home/hub/.hub HUB_HOST=0.0.0.0 HUB_PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz').status == 200 else 1)"
# Migrations are applied at every start (they are idempotent and take an advisory lock), as
# DATABASE_URL's role, the schema owner; they also set up the app's role (hub_app, or the one
# in HUB_APP_DATABASE_URL), which is the role `hub serve` connects as: rows only, no DDL.
CMD ["sh", "-c", "hub db migrate && hub serve"]
