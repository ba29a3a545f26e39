package io.stellarchat.server.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An error body other than OpenAI's, for the routes of one wire dialect (Anthropic's {@code /v1/messages}
 * answers {@code {"type":"error","error":{type,message}}}). A {@link RouteGroup} names its dialect through
 * {@link RouteGroup#errors()}; {@code ErrorMapping} writes every failure of a covered path with it, including
 * those raised before the handler ran (a 401 from {@link Authentication}, a malformed body, an unknown route
 * under the prefix). The status and {@code Retry-After} stay as {@link ApiException} says.
 *
 * <p>Threads: stateless; called on request threads.
 */
public interface ErrorDialect {
    /** Whether a request to {@code path} answers its errors in this dialect. */
    boolean covers(String path);

    /** The JSON body of {@code e} in this dialect. */
    ObjectNode body(ObjectMapper json, ApiException e);
}
