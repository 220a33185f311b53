# Guichet unique Territoires d'industrie
# The same steps as tests/test_wheel.py, which runs them without Docker: a wheel built from the files
# copied below (data/ and catalogue/ go inside it), installed after a layer of its dependencies, run
# from a working directory that holds only what the service writes.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in README.md ./
# The dependencies of pyproject.toml, one per line, for a layer of their own below.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
    > requirements.txt
COPY app ./app
COPY data ./data
COPY catalogue ./catalogue
RUN pip wheel --no-deps --wheel-dir /dist .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GUICHET_HOST=0.0.0.0 \
    GUICHET_PORT=8000

# Dependencies first: COPY compares contents, so a change of code, or of pyproject.toml that leaves the
# dependencies alone, reuses this layer.
COPY --from=build /src/requirements.txt /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt && rm /tmp/requirements.txt
COPY --from=build /dist /tmp/dist
RUN pip install --no-deps /tmp/dist/*.whl && pip check && rm -rf /tmp/dist

# var/ exists in the image and belongs to the service, so that a volume mounted there is writable
# (SQLite file, token key file when GUICHET_TOKEN_KEY is not set).
RUN useradd --system --uid 10001 --create-home --home-dir /srv/guichet guichet \
    && install -d -o guichet -g guichet /srv/guichet/var
WORKDIR /srv/guichet
USER guichet

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"GUICHET_PORT\"]}/health', timeout=2)"
CMD ["guichet", "serve"]
