# wsspec in a container: built in the official Swift image, run in Debian slim with only what the binary needs.
#
#   docker build -t wsspec .                                           # the image, for this machine
#   docker buildx build --platform linux/amd64,linux/arm64 -t NAME .   # both architectures (add --push)
#   docker buildx build --platform linux/arm64 --target release --output dist .   # just the release archive
#
# The build has no .git (see .dockerignore): pass the commit for `wsspec --version` with
# --build-arg WSSPEC_COMMIT="$(git describe --tags --always --dirty)".

ARG SWIFT_IMAGE=swift:6.3.1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
# zlib's headers (permessage-deflate); the Swift image has them already, this keeps the build honest elsewhere.
# Debian's current versions, not pinned ones: a stable release updates them for security fixes only.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
ARG WSSPEC_COMMIT=""
RUN WSSPEC_COMMIT="${WSSPEC_COMMIT}" scripts/release --out /dist

# `--target release --output DIR` writes the archive, its .sha256 and the binary into DIR.
FROM scratch AS release
COPY --from=build /dist/ /

FROM ${RUNTIME_IMAGE}
# What the binary needs beside glibc: libstdc++ and zlib; CA certificates for wss:// servers with public certificates.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libstdc++6 zlib1g \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /dist/wsspec /usr/local/bin/wsspec
# Reports go to ./reports/servers below the working directory: mount a folder at /work/reports to keep them.
WORKDIR /work
RUN chmod 1777 /work
USER 65532:65532
ENTRYPOINT ["wsspec"]
CMD ["--help"]
