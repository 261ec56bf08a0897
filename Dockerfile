# mode-audit: multi-stage build; the runtime image holds only the binary, CA certificates and a
# non-root user. It builds the `dist` profile (fat LTO, one codegen unit, stripped): the smallest binary.
FROM rust:1.95-slim-bookworm AS builder
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
# config/example.toml is compiled in (the config error message quotes it).
COPY config ./config
RUN cargo build --profile dist --locked && cp target/dist/mode-audit /usr/local/bin/mode-audit

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --create-home mode-audit
COPY --from=builder /usr/local/bin/mode-audit /usr/local/bin/mode-audit
USER 10001
WORKDIR /data
ENTRYPOINT ["mode-audit"]
CMD ["--help"]
