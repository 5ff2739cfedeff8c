# syntax=docker/dockerfile:1
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

WORKDIR /app
COPY pyproject.toml README.md ./
COPY reward_server ./reward_server
COPY verifiers ./verifiers
RUN pip install --no-cache-dir .

ENV REWARD_SERVER_HOST=0.0.0.0 \
    REWARD_SERVER_PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
CMD ["reward-server", "serve"]
