# The stackvet image: the API (`stackvet serve`) and the worker (`stackvet worker`).
FROM python:3.11-slim-bookworm

# WeasyPrint's system libraries. Report fonts are bundled in reports/fonts; DejaVu is only the
# fallback for characters they lack.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core curl \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 stackvet
WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
RUN pip install --no-cache-dir .
COPY migrations ./migrations
COPY questionnaires ./questionnaires
COPY reports ./reports

USER stackvet
ENV STACKVET_DEFINITIONS_DIR=/app/questionnaires \
    PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["stackvet", "serve", "--host", "0.0.0.0", "--port", "8000"]
