# docker build -t starcdc \
#   --build-arg VERSION="$(git describe --tags --always --dirty)" \
#   --build-arg REVISION="$(git rev-parse HEAD)" .
# Both args are optional; they stamp the binary (main.buildVersion,
# main.buildRevision in cmd/starcdc/buildinfo.go) and the OCI labels. The
# build context holds no .git (.dockerignore), so VCS stamping is off.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=""
ARG REVISION=""
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.buildVersion=${VERSION} -X main.buildRevision=${REVISION}" \
      -o /starcdc ./cmd/starcdc

# The :nonroot tag runs as distroless's nonroot user, uid/gid 65532; USER
# repeats it numerically so that Kubernetes' runAsNonRoot can verify it.
# starcdc writes no files: the properties files it reads only need to be
# readable by that uid.
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=""
ARG REVISION=""
ARG SOURCE="https://github.com/starcdc/starcdc"
LABEL org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=build /starcdc /starcdc
USER 65532:65532
ENTRYPOINT ["/starcdc"]
