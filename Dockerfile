# StellarChat container image: a JDK stage builds the server with the Maven wrapper, a JRE stage runs it.
#
#   docker build -t stellarchat .                      (or: podman build --format docker -t stellarchat .)
#   docker run -p 8080:8080 -v "$PWD/models:/models" -v stellar-data:/data stellarchat
#
# Configuration: every key of stellar.example.yaml has an environment variable named after its path
# (server.drain_timeout -> STELLAR_SERVER_DRAIN_TIMEOUT, database.url -> STELLAR_DATABASE_URL), or mount a
# YAML file and set STELLAR_CONFIG. JVM flags: JDK_JAVA_OPTIONS (read by the java launcher itself).
# See deploy/README.md.
#
# Base images are arguments so a mirror or a locally built base can stand in, e.g.
#   --build-arg RUNTIME_IMAGE=registry.example/eclipse-temurin:25-jre
# --target prebuilt packs a jar built on the host (./mvnw -B package -DskipTests) instead of compiling in the
# build stage; the context must then hold server/target (use --ignorefile deploy/docker/prebuilt.dockerignore).
# (Targets, not an ARG naming the stage: buildah skips a stage that is reached only through an ARG.)
ARG BUILD_IMAGE=eclipse-temurin:25-jdk
ARG RUNTIME_IMAGE=eclipse-temurin:25-jre

# ---- build: the Maven wrapper on a JDK 25; the POMs first so the dependency download is its own layer --------
FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
COPY engine-native/pom.xml engine-native/
COPY engine/pom.xml engine/
COPY server/pom.xml server/
# bench is not built, but the reactor needs its POM.
COPY bench/pom.xml bench/
# A cache warm-up only (its layer is reused while the POMs do not change): go-offline misses some plugins and
# cannot resolve our own modules yet, so a failure here is not fatal; the package step fetches what is missing.
RUN ./mvnw -B -q -pl engine-native,engine,server dependency:go-offline -DexcludeGroupIds=io.stellarchat || true
COPY engine-native/ engine-native/
COPY engine/ engine/
COPY server/ server/
# engine-native builds its C kernels only where a C compiler is found (the temurin JDK image has none), so the
# image runs the engine's Java kernels unless the build image brings gcc.
RUN ./mvnw -B -q -DskipTests -pl engine-native,engine,server package \
 && mkdir -p /out/app/native \
 && cp server/target/stellar-server.jar /out/app/ \
 && cp -r server/target/lib /out/app/lib \
 && if [ -d engine-native/target/native ]; then cp -r engine-native/target/native/. /out/app/native/; fi

# ---- runtime-base: a JRE and the image contract; no JDK, Maven or sources --------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime-base
# A fixed non-root uid in group 0: /data and /models are group-writable, so an orchestrator that picks its own
# uid (OpenShift) still can write them. No passwd entry is needed; user.home points at /data.
RUN mkdir -p /app /data /models \
 && chown 10001:0 /data /models \
 && chmod 0775 /data /models
USER 10001:0
WORKDIR /app
ENV STELLAR_SERVER_HOST=0.0.0.0 \
    STELLAR_SERVER_PORT=8080 \
    STELLAR_MODELS_DIR=/models \
    STELLAR_DATA_DIR=/data \
    STELLAR_LOGGING_FORMAT=json
VOLUME ["/models", "/data"]
EXPOSE 8080
# The probe is a small JDK-only class from the server jar (base images need no curl or shell); it reads
# STELLAR_SERVER_PORT and fails unless GET /health answers 200 within its timeout.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx16m", "-cp", "/app/stellar-server.jar", "io.stellarchat.server.cli.HealthProbe"]
# Exec form: java is PID 1 and gets SIGTERM itself; its shutdown hook stops accepting, lets in-flight requests
# finish for server.drain_timeout, closes the store, and exits. Give `docker stop -t` / the pod's grace period more
# than the drain timeout. Arguments after the image name replace "serve" (e.g. `config` prints the configuration).
ENTRYPOINT ["java", "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", \
            "--sun-misc-unsafe-memory-access=allow", "-XX:+UseParallelGC", "-XX:MaxRAMPercentage=75", \
            "-Duser.home=/data", "-Dstellar.native.path=/app/native", \
            "-cp", "/app/stellar-server.jar:/app/lib/*", "io.stellarchat.server.cli.Main"]
CMD ["serve"]

# ---- prebuilt (--target prebuilt): the jar and libraries from the host's server/target --------------------
FROM runtime-base AS prebuilt
COPY server/target/stellar-server.jar /app/
COPY server/target/lib/ /app/lib/

# ---- runtime (the default target): what the build stage made ---------------------------------------------
FROM runtime-base AS runtime
COPY --from=build /out/app/ /app/
