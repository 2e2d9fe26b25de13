FROM busybox:local AS builder
RUN echo "hello from stdout" && echo "warning: to stderr ✓" >&2 && echo line3
RUN ls / > /listing.txt && cat /listing.txt

FROM busybox:local
COPY --from=builder /listing.txt /out.txt
RUN cat /out.txt
