FROM busybox:local
RUN echo "before failure" && echo "bad thing happened" >&2 && exit 3
