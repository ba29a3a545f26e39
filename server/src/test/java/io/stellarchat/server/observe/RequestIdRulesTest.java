package io.stellarchat.server.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The W3C traceparent and X-Request-Id rules, case by case. */
class RequestIdRulesTest {
    static final String TRACE = "0af7651916cd43dd8448eb211c80319c";

    @Test
    void validTraceparentGivesItsTraceId() {
        RequestId id = RequestId.from("00-" + TRACE + "-b7ad6b7169203331-01", "other");
        assertEquals(new RequestId(TRACE, TRACE, RequestId.Source.TRACEPARENT), id);
        // a future version may append fields
        assertEquals(TRACE, RequestId.from("01-" + TRACE + "-b7ad6b7169203331-00-extra", null).value());
    }

    @Test
    void invalidTraceparentsFallBackToTheHeader() {
        String[] bad = {
            "00-" + TRACE.toUpperCase() + "-b7ad6b7169203331-01", // upper-case hex is not allowed
            "ff-" + TRACE + "-b7ad6b7169203331-01",               // version ff is invalid
            "00-" + TRACE + "-0000000000000000-01",               // all-zero parent id
            "00-" + "0".repeat(32) + "-b7ad6b7169203331-01",      // all-zero trace id
            "00-" + TRACE + "-b7ad6b7169203331-01-extra",         // version 00 has exactly four fields
            "00-" + TRACE.substring(1) + "-b7ad6b7169203331-01",  // short trace id
            "",
        };
        for (String tp : bad) {
            RequestId id = RequestId.from(tp, "fallback-1");
            assertEquals(new RequestId("fallback-1", "", RequestId.Source.HEADER), id, tp);
        }
    }

    @Test
    void malformedHeaderIdsAreReplacedByAGeneratedOne() {
        String[] bad = {"", "has space", "semi;colon", "x".repeat(129), "line\nbreak", "ünïcode"};
        for (String h : bad) {
            RequestId id = RequestId.from(null, h);
            assertEquals(RequestId.Source.GENERATED, id.source(), h);
            assertEquals(32, id.value().length());
        }
        assertEquals(RequestId.Source.HEADER, RequestId.from(null, "x".repeat(128)).source());
        assertEquals(RequestId.Source.GENERATED, RequestId.from(null, null).source());
    }
}
