package io.stellarchat.server.api;

/**
 * The JSON error body of every endpoint: {@code {"error":{"message":…,"type":…,"param":…,"code":…}}};
 * {@code param} and {@code code} are written as {@code null} when absent, as OpenAI does.
 *
 * @param error the details
 */
public record ErrorBody(Detail error) {
    /** The fields of an error. */
    public record Detail(String message, String type, String param, String code) {}

    public static ErrorBody of(ApiException e) {
        return new ErrorBody(new Detail(e.getMessage(), e.type().wire(), e.param(), e.code()));
    }
}
