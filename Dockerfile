# syntax=docker/dockerfile:1
# traceboard's image: the dashboard, the command line, and the process launcher (deploy/entrypoint.sh).
# Dependencies are installed at build time from requirements.lock; at run time the image needs no
# internet (fonts are Debian's, usage statistics are off). Secrets are never part of it: they come
# from files at run time (see deploy/compose.yaml and deploy/README.md).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/traceboard
COPY requirements.lock pyproject.toml README.md ./
COPY src ./src
# The lock pins every package the suite uses; as constraints it pins the runtime ones without
# installing the test tools.
RUN /opt/traceboard/bin/pip install --constraint requirements.lock .

FROM ${PYTHON_IMAGE}
# Noto CJK: Chinese in the generated PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk=1:20220127+repack1-1 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 traceboard \
    && useradd --system --uid 10001 --gid traceboard --home-dir /app --shell /usr/sbin/nologin traceboard \
    && install -d -o traceboard -g traceboard -m 0700 /app /var/lib/traceboard /backups
COPY --from=build /opt/traceboard /opt/traceboard
COPY .streamlit/config.toml /app/.streamlit/config.toml
COPY deploy/entrypoint.sh /usr/local/bin/traceboard-entrypoint
ENV PATH=/opt/traceboard/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TRACEBOARD_VAR_DIR=/var/lib/traceboard \
    TRACEBOARD_BACKUP_DIR=/backups
WORKDIR /app
USER 10001:10001
# The health check asks port 8501: keep TRACEBOARD_PORT at its default inside the container.
EXPOSE 8501
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]
ENTRYPOINT ["traceboard-entrypoint"]
CMD ["serve"]
