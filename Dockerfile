# keel's image for compose.yaml: one image, started as `keel serve` or `keel worker`.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir .
ENV KEEL_HOME=/data HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
EXPOSE 8000
CMD ["keel", "serve", "--host", "0.0.0.0", "--port", "8000"]
