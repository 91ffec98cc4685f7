# The stackvet image: the API (`stackvet serve`), the worker (`stackvet worker`) and the one-shot
# migration (`stackvet migrate`). Two stages: build the wheel, then install that wheel with the
# pinned dependencies of requirements.lock into a slim runtime image. These are the commands of
# tests/test_installed_wheel.py (BUILD, INSTALL), which runs them on every `make test`, and
# tests/test_deploy.py checks that this file still uses them.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md requirements.lock ./
COPY service ./service
COPY questionnaires ./questionnaires
COPY reports ./reports
COPY migrations ./migrations
RUN pip wheel --no-deps --wheel-dir /dist /src \
    && cp requirements.lock /dist/requirements.lock


FROM python:3.11-slim-bookworm AS runtime
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONUNBUFFERED=1

# WeasyPrint's system libraries. Report fonts ship inside the package; DejaVu is only the
# fallback for characters they lack. curl is for the compose health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core curl \
    && rm -rf /var/lib/apt/lists/*

COPY --from=build /dist /dist
RUN python -m venv /opt/stackvet \
    && /opt/stackvet/bin/pip install --require-hashes -r /dist/requirements.lock \
    && /opt/stackvet/bin/pip install --no-deps /dist/stackvet-*.whl \
    && /opt/stackvet/bin/pip check \
    && rm -rf /dist

# Not root. The working directory is where the SQLite default (./var/stackvet.db) would go;
# production uses PostgreSQL (STACKVET_DATABASE_URL or STACKVET_DATABASE_URL_FILE).
RUN useradd --create-home --uid 10001 stackvet \
    && install -d -o stackvet -g stackvet /var/lib/stackvet
USER 10001
WORKDIR /var/lib/stackvet
ENV PATH=/opt/stackvet/bin:$PATH
EXPOSE 8000
CMD ["stackvet", "serve", "--host", "0.0.0.0", "--port", "8000"]
