# Closer training worker on a GPU: `closer worker` with TRAIN_DEVICE=cuda.
# Build from the repository root (not built in CI; needs network for npm and the base image):
#   docker build -f docker/trainer.Dockerfile -t closer-trainer .
# Run on a host with an NVIDIA driver for CUDA 13 and the NVIDIA container toolkit (`--gpus all`).
ARG CUDA_IMAGE=nvidia/cuda:13.0.0-cudnn-runtime-ubuntu24.04

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev
# ONNX Runtime 1.29.0's CUDA provider (CUDA 13 / cuDNN 9 build), pinned to match onnxruntime-node.
RUN npm pack com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 --pack-destination /tmp/ort-gpu --silent

# CUDA 13 runtime + cuDNN 9: cuBLAS, cuRAND, cudart and cuDNN come from the base image.
FROM ${CUDA_IMAGE}
COPY --from=build /usr/local/bin/node /usr/local/bin/node
ENV NODE_ENV=production DATA_DIR=/var/lib/closer ARTIFACT_DIR=/var/lib/closer/artifacts TRAIN_DEVICE=cuda
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /tmp/ort-gpu /tmp/ort-gpu
COPY package.json ./
COPY models ./models
# Copies the provider libraries into onnxruntime-node's native folder; a build has no GPU, so the
# CUDA check runs when the container starts (below) and fails with a message naming what is missing.
RUN node dist/src/cli/index.js gpu-setup --from /tmp/ort-gpu/com.github.asus4.onnxruntime.linux-x64-gpu-0.4.9.tgz --no-check \
 && rm -rf /tmp/ort-gpu \
 && mkdir -p /var/lib/closer/artifacts && chown -R 1000:1000 /var/lib/closer
USER 1000
CMD ["sh", "-c", "node dist/src/cli/index.js gpu-setup --check-only && exec node dist/src/cli/index.js worker"]
