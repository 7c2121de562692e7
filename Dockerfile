# syntax=docker/dockerfile:1
# One image for every orkiestra process; the command picks the role:
#   orkiestra api --host 0.0.0.0 --port 8000   (default)
#   orkiestra worker
#   orkiestra migrate
ARG PYTHON_IMAGE=python:3.11-slim

# ---- build: install the project and its dependencies into a virtualenv
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY pyproject.toml README.md ./
COPY orkiestra ./orkiestra
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
COPY api ./api
RUN pip install .

# ---- runtime
FROM ${PYTHON_IMAGE}

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ORKIESTRA_TEMPLATES_DIR=/app/templates \
    ORKIESTRA_HOME=/var/lib/orkiestra \
    ORKIESTRA_API_HOST=0.0.0.0

RUN groupadd --system --gid 10001 orkiestra \
 && useradd --system --uid 10001 --gid orkiestra --home-dir /var/lib/orkiestra \
      --shell /usr/sbin/nologin orkiestra \
 && mkdir -p /var/lib/orkiestra \
 && chown orkiestra:orkiestra /var/lib/orkiestra

COPY --from=build /opt/venv /opt/venv

# The repository source (read-only for the app user); templates are read from here at run time.
WORKDIR /app
COPY pyproject.toml README.md ./
COPY orkiestra ./orkiestra
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
COPY api ./api
COPY templates ./templates

USER 10001:10001

EXPOSE 8000

CMD ["orkiestra", "api", "--host", "0.0.0.0", "--port", "8000"]
