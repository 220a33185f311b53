# Guichet unique Territoires d'industrie
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GUICHET_HOST=0.0.0.0 \
    GUICHET_PORT=8000

WORKDIR /srv/guichet

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install .

COPY data ./data
COPY catalogue ./catalogue

RUN useradd --system --uid 10001 --home-dir /srv/guichet guichet \
    && chown -R guichet:guichet /srv/guichet
USER guichet

ENV GUICHET_DATA_DIR=/srv/guichet/data \
    GUICHET_CATALOGUE_DIR=/srv/guichet/catalogue

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"GUICHET_PORT\"]}/health', timeout=2)"
CMD ["guichet", "serve"]
