package io.stellarchat.server.chat;

import java.util.List;

/**
 * One page of a listing.
 *
 * @param items      the items, in the order the listing documents
 * @param nextCursor what to pass to get the next page, or null when this is the last page
 */
public record Page<T>(List<T> items, String nextCursor) {
    public Page {
        items = List.copyOf(items);
    }

    public boolean hasMore() {
        return nextCursor != null;
    }
}
