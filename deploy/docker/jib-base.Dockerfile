# The base image for Jib builds. jib-maven-plugin has no HEALTHCHECK setting, but it keeps the base image's
# health check; this base adds the same probe as the Dockerfile, at the path of Jib's exploded layout
# (/app/classes). Build and push it once, then point Jib at it:
#
#   docker build -f deploy/docker/jib-base.Dockerfile -t registry.example/stellarchat-base:25 deploy/docker
#   ./mvnw -pl server jib:build -Dstellar.image.base=registry.example/stellarchat-base:25 \
#       -Dstellar.image.name=registry.example/stellarchat:0.1.0
ARG RUNTIME_IMAGE=eclipse-temurin:25-jre
FROM ${RUNTIME_IMAGE}
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx16m", "-cp", "/app/classes", "io.stellarchat.server.cli.HealthProbe"]
