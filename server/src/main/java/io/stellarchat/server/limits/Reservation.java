package io.stellarchat.server.limits;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A request admitted by the limiter: what it reserved, and the {@code x-ratelimit-*} headers to send. When the
 * answer ends, {@link #settle} gives back its concurrency place and corrects the tokens it reserved to what it
 * really used. Settling twice does nothing.
 */
public final class Reservation {
    /** A request with no limits. */
    public static final Reservation NONE = new Reservation(null, "", List.of(), 0, Map.of());

    private final LimitStore store;
    private final String id;
    private final List<Bucket> buckets;
    private final long reservedTokens;
    private final Map<String, String> headers;
    private final AtomicBoolean settled = new AtomicBoolean();

    Reservation(LimitStore store, String id, List<Bucket> buckets, long reservedTokens, Map<String, String> headers) {
        this.store = store;
        this.id = id;
        this.buckets = List.copyOf(buckets);
        this.reservedTokens = reservedTokens;
        this.headers = Map.copyOf(headers);
    }

    /** Headers for the response ({@code x-ratelimit-limit-requests} …); empty when nothing is limited. */
    public Map<String, String> headers() {
        return headers;
    }

    /** Tokens reserved at admission (prompt plus completion budget), 0 when tokens are not limited. */
    public long reservedTokens() {
        return reservedTokens;
    }

    /**
     * The request ended: release and reconcile.
     *
     * @param usedTokens the prompt and completion tokens it really took; negative when unknown (the
     *                   reservation stands)
     */
    public void settle(long usedTokens) {
        if (store == null || !settled.compareAndSet(false, true)) return;
        long delta = usedTokens < 0 ? 0 : usedTokens - reservedTokens;
        try {
            store.settle(id, buckets, delta);
        } catch (RuntimeException e) {
            // Redis went away: the window entries and the lease expire by themselves.
            org.slf4j.LoggerFactory.getLogger(Reservation.class).debug("could not settle reservation: {}", e.getMessage());
        }
    }
}
