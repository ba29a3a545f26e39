package io.stellarchat.server.limits;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.stellarchat.server.chat.KeyRecord;
import io.stellarchat.server.chat.KeyRecordStore;
import io.stellarchat.server.config.Secret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every API key this replica accepts: the configured static keys (every scope) and the managed keys of the
 * database, and the one place a presented secret becomes a {@link Caller}.
 *
 * <p>A secret is never compared: it is hashed (SHA-256) and the hash looked up — among the static keys, then in a
 * bounded cache of database rows (found and not found), then in the database by its unique index. The static keys
 * are checked in constant time: the presented digest is compared with every static key's digest by
 * {@link MessageDigest#isEqual} (whose time does not depend on where two digests differ), all of them, with no early
 * exit, so the time of a refusal says nothing about how close a guess came. The managed keys' lookup by hash
 * (cache, then index) needs no such care: what a timing difference could reveal is a prefix of SHA-256 of the
 * attacker's own guess, which does not help find a secret (a preimage would be needed). Every key
 * change on any replica moves the store's version; the {@code key-sync} thread reads it every
 * {@value #SYNC_MS} ms and empties the cache when it moved, so a revoked key fails everywhere within about
 * that time. Expiry, disabling and revocation are checked on every lookup, never cached as a decision.
 *
 * <p>Threads: lookups from any request thread; the cache is concurrent; the sync thread only invalidates it.
 * Administrative writes go to the store and invalidate this replica's cache before returning.
 */
public final class KeyRing implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KeyRing.class);
    /** Every managed secret starts with this. */
    public static final String SECRET_PREFIX = "sk-stellar-";
    static final long SYNC_MS = 200;
    private static final int DISPLAY_CHARS = SECRET_PREFIX.length() + 4;
    private static final Set<Scope> ALL_SCOPES = EnumSet.allOf(Scope.class);

    private final List<StaticKey> staticKeys; // scanned whole on every lookup (constant time)
    private final KeyRecordStore store;           // null: no database, static keys only
    private final KeyLimits defaults;
    private final Clock clock;
    private final ObjectMapper json;
    private final SecureRandom random = new SecureRandom();
    private final Cache<String, Optional<KeyRecord>> byHash =
            Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(5)).build();
    private final Thread sync;
    private volatile boolean closing;

    /** A configured key: the SHA-256 of its secret and who it is. */
    private record StaticKey(byte[] digest, Caller caller) {}

    /** Why a presented key was refused (the message never holds the secret). */
    public static final class KeyRejected extends RuntimeException {
        public KeyRejected(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * @param staticKeys {@code server.api_keys}
     * @param store      managed keys, or null without a database
     * @param defaults   the limits of a key that sets none (the configured {@code limits.*})
     * @param clock      for expiry and the times stamped on keys
     */
    public KeyRing(List<Secret> staticKeys, KeyRecordStore store, KeyLimits defaults, Clock clock, ObjectMapper json) {
        List<StaticKey> s = new java.util.ArrayList<>();
        for (Secret k : staticKeys) {
            byte[] digest = digest(k.reveal());
            String hash = HexFormat.of().formatHex(digest);
            String display = "static-" + hash.substring(0, 8);
            // The owner is what earlier versions derived from the bearer token, so existing sessions stay visible.
            s.add(new StaticKey(digest, new Caller(display, display, "key-" + hash.substring(0, 24), ALL_SCOPES,
                    Set.of(Caller.ANY_MODEL), defaults, true)));
        }
        this.staticKeys = List.copyOf(s);
        this.store = store;
        this.defaults = defaults;
        this.clock = clock;
        this.json = json;
        this.sync = store == null ? null : Thread.ofPlatform().name("key-sync").daemon(true).start(this::syncLoop);
    }

    /** Whether every request must carry a key (some static key is configured). */
    public boolean enforced() {
        return !staticKeys.isEmpty();
    }

    /** Whether managed keys can be made (a database is there). */
    public boolean managed() {
        return store != null;
    }

    /**
     * The caller a request is, from the secret it presented.
     *
     * @param secret the presented key, or null when the request carries none
     * @throws KeyRejected when a key is required and missing, or the presented one is unknown, revoked, disabled
     *                     or expired
     */
    public Caller authenticate(String secret) {
        if (secret == null || secret.isEmpty()) {
            if (enforced()) throw new KeyRejected("You didn't provide an API key. Send it as 'Authorization: Bearer "
                    + "<key>' or 'x-api-key: <key>'.");
            return anonymous("default");
        }
        byte[] digest = digest(secret);
        String hash = HexFormat.of().formatHex(digest);
        Caller fixed = matchStatic(digest);
        if (fixed != null) return fixed;
        Optional<KeyRecord> row = store == null ? Optional.empty() : byHash.get(hash, store::findByHash);
        if (row.isPresent() && sameDigest(row.get().secretHash(), digest)) return admit(row.get());
        if (enforced() || secret.startsWith(SECRET_PREFIX)) {
            throw new KeyRejected("Incorrect API key provided" + display(secret) + ".");
        }
        // Keys are optional here: an unknown token only names the owner, as before keys existed.
        return anonymous("key-" + hash.substring(0, 24));
    }

    /**
     * The static key whose digest equals {@code presented}, or null. Every key is compared, each in constant time,
     * whatever matched before: the loop's time depends on the number of keys only.
     */
    Caller matchStatic(byte[] presented) {
        Caller found = null;
        for (StaticKey k : staticKeys) {
            boolean same = MessageDigest.isEqual(k.digest(), presented);
            if (same && found == null) found = k.caller();
        }
        return found;
    }

    /** Whether a stored hex hash is {@code digest}, compared in constant time (the row came by an index lookup). */
    private static boolean sameDigest(String storedHex, byte[] digest) {
        try {
            return MessageDigest.isEqual(HexFormat.of().parseHex(storedHex), digest);
        } catch (IllegalArgumentException e) {
            return false; // a damaged row matches nothing
        }
    }

    private Caller anonymous(String owner) {
        return new Caller("anonymous", "", owner, ALL_SCOPES, Set.of(Caller.ANY_MODEL), defaults, true);
    }

    private Caller admit(KeyRecord k) {
        String who = " (" + k.prefix() + "…)";
        if (k.revoked() != null) throw new KeyRejected("This API key" + who + " has been revoked.");
        if (k.disabled()) throw new KeyRejected("This API key" + who + " is disabled.");
        if (k.expires() != null && !clock.instant().isBefore(k.expires())) {
            throw new KeyRejected("This API key" + who + " expired at " + k.expires() + ".");
        }
        return caller(k);
    }

    private Caller caller(KeyRecord k) {
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String s : k.scopes()) Scope.parse(s).ifPresent(scopes::add);
        KeyLimits limits;
        try {
            limits = LimitsJson.read(json.readTree(k.limitsJson()), "limits");
        } catch (Exception e) {
            log.warn("key {} has unreadable limits ({}); using the defaults", k.id(), e.getMessage());
            limits = KeyLimits.NONE;
        }
        return new Caller(k.id(), k.prefix(), k.owner(), scopes, Set.copyOf(k.models()),
                limits.isEmpty() ? defaults : limits, k.cache());
    }

    /** The display form of a presented secret: its prefix only when it is one of ours, else nothing. */
    private static String display(String secret) {
        return secret.startsWith(SECRET_PREFIX) && secret.length() > DISPLAY_CHARS
                ? " (" + secret.substring(0, DISPLAY_CHARS) + "…)" : "";
    }

    // ---- administration (the admin API) ----

    /** A new key and its secret, shown once. */
    public record Issued(KeyRecord key, String secret) {}

    /** What a new key is. */
    public record NewKey(String name, String owner, Set<Scope> scopes, List<String> models, KeyLimits limits,
                         boolean cache, Instant expires) {}

    /** Creates a managed key. */
    public Issued create(NewKey n) {
        requireStore();
        String secret = newSecret();
        Instant now = clock.instant();
        KeyRecord k = new KeyRecord("key_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20), n.name(),
                n.owner(), secret.substring(0, DISPLAY_CHARS), sha256(secret),
                n.scopes().stream().map(Scope::wire).sorted().toList(), n.models(),
                LimitsJson.write(json, n.limits()).toString(), n.cache(), false, n.expires(), null, now, now);
        store.insert(k);
        byHash.invalidateAll();
        return new Issued(k, secret);
    }

    /** Every managed key (revoked ones too). */
    public List<KeyRecord> list() {
        requireStore();
        return store.list();
    }

    /** The managed key {@code id}. */
    public Optional<KeyRecord> find(String id) {
        requireStore();
        return store.find(id);
    }

    /** Replaces a key's row (a PATCH, made by the caller from {@link #find}); false when it is gone. */
    public boolean update(KeyRecord changed) {
        requireStore();
        boolean ok = store.update(changed);
        byHash.invalidateAll();
        return ok;
    }

    /** Revokes a key for good; false when there is none. */
    public boolean revoke(String id) {
        Optional<KeyRecord> k = find(id);
        if (k.isEmpty()) return false;
        KeyRecord r = k.get();
        Instant now = clock.instant();
        return update(new KeyRecord(r.id(), r.name(), r.owner(), r.prefix(), r.secretHash(), r.scopes(), r.models(),
                r.limitsJson(), r.cache(), r.disabled(), r.expires(), r.revoked() == null ? now : r.revoked(), r.created(), now));
    }

    /** Gives a key a new secret (the old one stops working at once); empty when there is no such key. */
    public Optional<Issued> rotate(String id) {
        Optional<KeyRecord> k = find(id);
        if (k.isEmpty()) return Optional.empty();
        String secret = newSecret();
        KeyRecord r = k.get().withSecret(secret.substring(0, DISPLAY_CHARS), sha256(secret), clock.instant());
        update(r);
        return Optional.of(new Issued(r, secret));
    }

    /** The limits a key has in effect (its own, or the defaults). */
    public KeyLimits limitsOf(KeyRecord k) {
        return caller(k).limits();
    }

    /** The JSON mapper (for limits). */
    public ObjectMapper json() {
        return json;
    }

    private void requireStore() {
        if (store == null) throw new IllegalStateException("managed keys need the database");
    }

    private String newSecret() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return SECRET_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** SHA-256 of a secret, lower-case hex. */
    public static String sha256(String secret) {
        return HexFormat.of().formatHex(digest(secret));
    }

    /** SHA-256 of a secret's UTF-8 bytes. */
    static byte[] digest(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    private void syncLoop() {
        long seen = Long.MIN_VALUE;
        while (!closing) {
            try {
                long v = store.version();
                if (v != seen) {
                    if (seen != Long.MIN_VALUE) byHash.invalidateAll();
                    seen = v;
                }
            } catch (RuntimeException e) {
                // The database is away: keep serving from the cache; the next read tries again.
                log.debug("key version check failed: {}", e.getMessage());
            }
            try {
                TimeUnit.MILLISECONDS.sleep(SYNC_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Stops the sync thread. Idempotent. */
    @Override
    public void close() {
        closing = true;
        if (sync != null) {
            sync.interrupt();
            try {
                sync.join(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
