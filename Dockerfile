# DreamJobSearch: one image for the API processes and the workers.
FROM python:3.11-slim
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
COPY src ./src
RUN uv sync --frozen --no-dev
ENV PATH="/app/.venv/bin:$PATH" DREAMJOB_HOST=0.0.0.0 DREAMJOB_DATA_DIR=/data
EXPOSE 8000
CMD ["dreamjob", "serve"]
