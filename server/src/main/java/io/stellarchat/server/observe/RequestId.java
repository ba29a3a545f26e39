package io.stellarchat.server.observe;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The id a request is known by in logs and in the {@code X-Request-Id} response header.
 *
 * <p>Chosen in this order: the trace id of a valid W3C {@code traceparent} header (so our logs join the
 * caller's trace), else a well-formed {@code X-Request-Id} (1–128 characters of {@code [A-Za-z0-9._-]}; any
 * other value is ignored so a client cannot inject text into our logs), else a fresh random 32-hex-digit id.
 *
 * @param value   the id
 * @param traceId the W3C trace id when the request carried a valid {@code traceparent}, else empty
 * @param source  which rule produced the id
 */
public record RequestId(String value, String traceId, Source source) {
    /** Where an id came from. */
    public enum Source { TRACEPARENT, HEADER, GENERATED }

    // traceparent = version "-" trace-id "-" parent-id "-" trace-flags, lower-case hex (W3C Trace Context §3.2)
    private static final Pattern TRACEPARENT =
            Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?");
    private static final Pattern HEADER_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final SecureRandom RANDOM = new SecureRandom();

    public RequestId {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(traceId, "traceId");
        Objects.requireNonNull(source, "source");
    }

    /**
     * The id for a request with these header values (either may be null).
     */
    public static RequestId from(String traceparent, String requestIdHeader) {
        String trace = traceIdOf(traceparent);
        if (!trace.isEmpty()) return new RequestId(trace, trace, Source.TRACEPARENT);
        if (requestIdHeader != null && HEADER_ID.matcher(requestIdHeader).matches()) {
            return new RequestId(requestIdHeader, "", Source.HEADER);
        }
        return new RequestId(generate(), "", Source.GENERATED);
    }

    /** The trace id of a valid {@code traceparent}, or empty. */
    static String traceIdOf(String traceparent) {
        if (traceparent == null) return "";
        var m = TRACEPARENT.matcher(traceparent.strip());
        if (!m.matches()) return "";
        String version = m.group(1);
        if (version.equals("ff")) return "";                        // version 255 is invalid
        if (version.equals("00") && m.group(5) != null) return "";  // version 00 has exactly four fields
        String traceId = m.group(2);
        String parentId = m.group(3);
        if (traceId.chars().allMatch(c -> c == '0') || parentId.chars().allMatch(c -> c == '0')) return "";
        return traceId;
    }

    static String generate() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
