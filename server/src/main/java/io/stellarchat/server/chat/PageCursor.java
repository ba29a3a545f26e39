package io.stellarchat.server.chat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The opaque cursors of session and audit listings: the last id of the page, base64url-encoded with a
 * prefix naming the listing, so a cursor of one listing is refused by another.
 */
final class PageCursor {
    private PageCursor() {}

    static String encode(String listing, String lastId) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((listing + ":" + lastId).getBytes(StandardCharsets.UTF_8));
    }

    /** The id in the cursor, or null for a null cursor (the first page). */
    static String decode(String listing, String cursor) {
        if (cursor == null) return null;
        String text;
        try {
            text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new InvalidCursorException("cursor is not one this store issued: " + shorten(cursor));
        }
        String prefix = listing + ":";
        String id = text.startsWith(prefix) ? text.substring(prefix.length()) : null;
        if (!TimeOrderedIds.looksLikeId(id)) {
            throw new InvalidCursorException("cursor is not one this store issued for " + listing + ": " + shorten(cursor));
        }
        return id;
    }

    static void checkLimit(int limit) {
        if (limit < 1 || limit > HistoryStore.MAX_PAGE) {
            throw new IllegalArgumentException("limit must be 1.." + HistoryStore.MAX_PAGE + ": " + limit);
        }
    }

    static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
