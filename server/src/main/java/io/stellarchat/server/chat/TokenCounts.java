package io.stellarchat.server.chat;

/**
 * Tokens a reply cost; zero where not counted (user messages).
 *
 * @param prompt     prompt tokens
 * @param completion generated tokens
 */
public record TokenCounts(long prompt, long completion) {
    public static final TokenCounts NONE = new TokenCounts(0, 0);

    public TokenCounts {
        if (prompt < 0 || completion < 0) {
            throw new IllegalArgumentException("token counts must not be negative: " + prompt + ", " + completion);
        }
    }
}
