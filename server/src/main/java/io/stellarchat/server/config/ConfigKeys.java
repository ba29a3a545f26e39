package io.stellarchat.server.config;

import java.util.List;
import java.util.Optional;

/**
 * Every configuration key, in README order. This table is the one source for environment variable names,
 * error messages and the README reference (checked by a test).
 */
public final class ConfigKeys {
    private ConfigKeys() {}

    public static final ConfigKey SERVER_HOST = new ConfigKey("server.host", "127.0.0.1",
            "a host name or IP address", false, true,
            "Interface to listen on. Anything but loopback is an explicit choice and logs a warning while no API keys are set.");
    public static final ConfigKey SERVER_PORT = new ConfigKey("server.port", "8080",
            "an integer 0..65535 (0 picks a free port)", false, true, "TCP port to listen on.");
    public static final ConfigKey SERVER_MAX_BODY_BYTES = new ConfigKey("server.max_body_bytes", "8MiB",
            "a size 1 B..2GiB: bytes, or a number with KiB, MiB or GiB", false, true,
            "Largest request body accepted; larger bodies get 413.");
    public static final ConfigKey SERVER_DRAIN_TIMEOUT = new ConfigKey("server.drain_timeout", "10s",
            "a duration 0s..1h: a number with ms, s, m or h", false, true,
            "On shutdown, how long in-flight requests may run before the server closes.");
    public static final ConfigKey SERVER_API_KEYS = new ConfigKey("server.api_keys", "",
            "a list of non-empty strings (env: comma-separated)", true, true,
            "Static API keys with every scope (secret, masked when printed). When any is set, every route but /health, /ready and /metrics needs a key (Authorization: Bearer or x-api-key); managed keys (/v1/admin/keys) work beside them. Empty: keys are optional.");
    public static final ConfigKey SERVER_WS_MAX_FRAME_BYTES = new ConfigKey("server.ws_max_frame_bytes", "1MiB",
            "a size 1 B..2GiB: bytes, or a number with KiB, MiB or GiB", false, true,
            "Largest WebSocket text message accepted on /v1/ws; a larger one closes the connection with status 1009.");
    public static final ConfigKey SERVER_CORS_ALLOWED_ORIGINS = new ConfigKey("server.cors_allowed_origins", "",
            "a list of origins (scheme://host[:port]) or * (env: comma-separated)", false, true,
            "Browser origins allowed to call the API from another site (CORS): preflights from them get 204 with the allowed methods and headers, answers carry Access-Control-Allow-Origin. Empty: CORS is off and no CORS header is sent (the web UI is same-origin and needs none).");
    public static final ConfigKey SERVER_IDLE_TIMEOUT = new ConfigKey("server.idle_timeout", "30s",
            "a duration 1ms..1h: a number with ms, s, m or h", false, true,
            "A connection with no byte read or written for this long is closed (between requests, or a request whose client stopped sending or reading).");
    public static final ConfigKey SERVER_HEADER_TIMEOUT = new ConfigKey("server.header_timeout", "10s",
            "a duration 1ms..1h: a number with ms, s, m or h", false, true,
            "A request's headers must be complete this long after their first byte, else the connection is closed (slowloris on headers).");
    public static final ConfigKey SERVER_BODY_TIMEOUT = new ConfigKey("server.body_timeout", "30s",
            "a duration 1ms..1h: a number with ms, s, m or h", false, true,
            "A request's body must be complete this long after its headers, else the connection is closed (slowloris on bodies).");
    public static final ConfigKey LOGGING_FORMAT = new ConfigKey("logging.format", "text",
            "text or json", false, true, "Console log layout: human-readable text, or one JSON object per line.");
    public static final ConfigKey LOGGING_LEVEL = new ConfigKey("logging.level", "info",
            "trace, debug, info, warn or error", false, true, "Root log level.");
    public static final ConfigKey LOGGING_FILE = new ConfigKey("logging.file", "",
            "empty, or a path", false, true,
            "Also write the log to this file (same layout as the console), rolled by size and by day; empty: console only.");
    public static final ConfigKey LOGGING_MAX_FILE_SIZE = new ConfigKey("logging.max_file_size", "10MiB",
            "a size 1KiB..1024GiB: bytes, or a number with KiB, MiB or GiB", false, true,
            "A log file rolls over when it reaches this size (and at midnight UTC).");
    public static final ConfigKey LOGGING_MAX_HISTORY = new ConfigKey("logging.max_history", "7",
            "an integer 1..3650", false, true, "Days of rolled log files kept; older ones are deleted.");
    public static final ConfigKey LOGGING_LEVELS = new ConfigKey("logging.levels", "",
            "a list of logger=level (env: comma-separated)", false, true,
            "Levels of single loggers over the root level, e.g. io.stellarchat.server.gateway=debug.");
    public static final ConfigKey LOGGING_BODIES = new ConfigKey("logging.bodies", "false",
            "true or false", false, true,
            "Log request and response bodies (logger io.stellarchat.server.bodies, DEBUG). They hold prompts and answers: off unless debugging.");
    public static final ConfigKey MODELS_DIR = new ConfigKey("models.dir", "./models",
            "a path", false, true, "Directory holding GGUF model files.");
    public static final ConfigKey MODELS_LIST = new ConfigKey("models.list", "",
            "a list of {id, path or upstreams, chat_template_file, aliases, context_length, routing, retries, fallbacks, context_fallbacks} (YAML only)",
            false, false,
            "Models declared explicitly: id (required); path (a local GGUF file) or upstreams (a list of {provider, model, weight}), exactly one; chat_template_file (local only: a Jinja file used instead of the model's template); aliases (list); context_length (0 = the model's own, or unknown for a remote one); remote only: routing (weighted, least_busy or lowest_latency), retries {max, backoff, max_backoff, resume_streams (continue a streamed answer an upstream cut off, default false)}; fallbacks and context_fallbacks (other model ids, no cycles).");
    public static final ConfigKey MODELS_KEEP_ALIVE = new ConfigKey("models.keep_alive", "5m",
            "a duration 0s..30d: a number with ms, s, m or h (0s = never unload)", false, true,
            "How long a local model with no requests stays loaded; the next request loads it again (and waits for it).");
    public static final ConfigKey MODELS_MAX_LOADED = new ConfigKey("models.max_loaded", "0",
            "an integer 0..1024 (0 = no bound)", false, true,
            "Local models resident at once; loading one more unloads the least recently used idle one.");
    public static final ConfigKey MODELS_HUB_ENDPOINT = new ConfigKey("models.hub_endpoint", "https://huggingface.co",
            "an http or https URL", false, true,
            "Where POST /v1/admin/pull and /api/pull download models from: the Hugging Face Hub or a mirror.");
    public static final ConfigKey MODELS_HUB_TOKEN = new ConfigKey("models.hub_token", "",
            "a string (empty: none)", true, true,
            "Hub access token for gated or private repositories (secret, masked when printed).");
    public static final ConfigKey PROVIDERS = new ConfigKey("providers", "",
            "a list of {id, type, base_url, api_key, timeouts, max_concurrency, circuit_breaker, health_check} (YAML only)",
            false, false,
            "Remote model servers that models.list upstreams name: id (unique, [a-z0-9][a-z0-9_-]*, not local), type (openai or anthropic), base_url (http or https), api_key (secret, masked when printed; ${VAR} reads the environment), timeouts {connect, first_token, idle, total}, max_concurrency, circuit_breaker {failure_rate, minimum_calls, window, open_for, half_open_calls}, health_check {interval, 0s = off}.");
    public static final ConfigKey ENGINE_THREADS = new ConfigKey("engine.threads", "0",
            "an integer 0..1024 (0 = one per core)", false, true, "Compute threads of the local engine, shared by all models.");
    public static final ConfigKey ENGINE_CONTEXT_LENGTH = new ConfigKey("engine.context_length", "4096",
            "an integer 0..1048576 (0 = the model's own)", false, true,
            "Context (KV cache) per request for models whose entry does not set context_length; capped at the model's own.");
    public static final ConfigKey ENGINE_QUEUE_DEPTH = new ConfigKey("engine.queue_depth", "64",
            "an integer 1..100000", false, true, "Requests that may wait per model; beyond it requests get 429 with Retry-After.");
    public static final ConfigKey ENGINE_MAX_WAIT = new ConfigKey("engine.max_wait", "60s",
            "a duration 1ms..1h: a number with ms, s, m or h", false, true,
            "How long a request may wait for its model before it gets 503 with Retry-After.");
    public static final ConfigKey ENGINE_KEEP_ALIVE = new ConfigKey("engine.keep_alive", "5s",
            "a duration 0s..1h: a number with ms, s, m or h", false, true,
            "Interval of SSE ': keep-alive' comments while a streamed request waits for tokens.");
    public static final ConfigKey ENGINE_MAX_BATCH_TOKENS = new ConfigKey("engine.max_batch_tokens", "512",
            "an integer 1..65536, at least engine.max_running", false, true,
            "Tokens computed per forward pass at most: one for each running request's next token, the rest for prompts (long prompts are split over steps).");
    public static final ConfigKey ENGINE_MAX_RUNNING = new ConfigKey("engine.max_running", "16",
            "an integer 1..4096", false, true,
            "Requests generated together per model at most; more wait in the queue.");
    public static final ConfigKey ENGINE_KV_CACHE_SIZE = new ConfigKey("engine.kv_cache_size", "1GiB",
            "a size 1MiB..1024GiB: bytes, or a number with KiB, MiB or GiB", false, true,
            "Memory of each model's paged KV cache (keys and values of all layers); bounds the tokens all running requests hold.");
    public static final ConfigKey ENGINE_KV_BLOCK_SIZE = new ConfigKey("engine.kv_block_size", "16",
            "an integer 1..1024", false, true,
            "Tokens per KV cache block: the unit of allocation and of prefix sharing.");
    public static final ConfigKey ENGINE_KV_PRECISION = new ConfigKey("engine.kv_precision", "f16",
            "f16 or f32", false, true, "Element type of the KV cache; f16 halves its memory.");
    public static final ConfigKey ENGINE_PREFIX_CACHING = new ConfigKey("engine.prefix_caching", "true",
            "true or false", false, true,
            "Reuse the KV cache of a prompt's longest cached prefix (a shared system prompt, the next chat turn); unused blocks are evicted least recently used.");
    public static final ConfigKey DATA_DIR = new ConfigKey("data.dir", "./data",
            "a path", false, true, "Directory for the service's own files (the embedded SQLite database).");
    public static final ConfigKey DATABASE_URL = new ConfigKey("database.url", "",
            "empty, or a JDBC URL starting jdbc:postgresql: or jdbc:sqlite:", false, true,
            "Chat history database. Empty: the embedded SQLite file stellar.db in data.dir.");
    public static final ConfigKey DATABASE_USER = new ConfigKey("database.user", "",
            "a string (empty: none)", false, true, "Database user (PostgreSQL).");
    public static final ConfigKey DATABASE_PASSWORD = new ConfigKey("database.password", "",
            "a string (empty: none)", true, true, "Database password (secret, masked when printed).");
    public static final ConfigKey DATABASE_POOL_SIZE = new ConfigKey("database.pool_size", "8",
            "an integer 1..256", false, true,
            "Database connections in the pool; with SQLite these read, and one more connection writes.");
    public static final ConfigKey DATABASE_LEASE = new ConfigKey("database.lease", "10s",
            "a duration 1s..10m: a number with ms, s, m or h", false, true,
            "How long a replica's lease in the database stays valid without renewal; the replies of a replica killed mid-answer are marked interrupted by the others within about this time.");
    public static final ConfigKey DATABASE_LEASE_RENEW = new ConfigKey("database.lease_renew", "3s",
            "a duration 10ms..10m, shorter than database.lease: a number with ms, s, m or h", false, true,
            "How often a replica renews its lease and sweeps the replies of replicas whose lease expired.");
    public static final ConfigKey DATABASE_PARTIAL_REPLY_TOKENS = new ConfigKey("database.partial_reply_tokens", "16",
            "an integer 1..100000", false, true,
            "A generating session reply's text is written to the database after this many new pieces of text (or database.partial_reply_interval), so a crash keeps what was produced.");
    public static final ConfigKey DATABASE_PARTIAL_REPLY_INTERVAL = new ConfigKey("database.partial_reply_interval", "500ms",
            "a duration 10ms..1m: a number with ms, s, m or h", false, true,
            "A generating session reply's text is written to the database at least this often while new text arrives.");
    public static final ConfigKey METRICS_ENABLED = new ConfigKey("metrics.enabled", "true",
            "true or false", false, true, "Serve Prometheus metrics at GET /metrics.");
    public static final ConfigKey METRICS_PER_KEY_LABELS = new ConfigKey("metrics.per_key_labels", "false",
            "true or false", false, true,
            "Label rate-limit rejections with the key's display prefix (one series per key).");
    public static final ConfigKey REDIS_URL = new ConfigKey("redis.url", "",
            "empty, or redis://[user:password@]host:port[/db] (rediss:// for TLS)", true, true,
            "Redis shared by replicas for rate limits and caches (secret, masked when printed). Empty: limits and caches in this process only.");
    public static final ConfigKey REDIS_TIMEOUT = new ConfigKey("redis.timeout", "500ms",
            "a duration 1ms..1m: a number with ms, s, m or h", false, true,
            "Longest wait for one Redis command; past it Redis counts as down until a probe reaches it again.");
    public static final ConfigKey LIMITS_REDIS_FALLBACK = new ConfigKey("limits.redis_fallback", "local",
            "local, open or closed", false, true,
            "While Redis is unreachable: local (each replica counts alone with its share of every limit), open (no limits) or closed (limited requests get 503).");
    public static final ConfigKey LIMITS_REQUESTS_PER_MINUTE = new ConfigKey("limits.requests_per_minute", "0",
            "an integer 0..10^15 (0 = none)", false, true, "Default requests per minute per key, for keys without limits of their own.");
    public static final ConfigKey LIMITS_TOKENS_PER_MINUTE = new ConfigKey("limits.tokens_per_minute", "0",
            "an integer 0..10^15 (0 = none)", false, true, "Default tokens (prompt + completion) per minute per key.");
    public static final ConfigKey LIMITS_MAX_CONCURRENT = new ConfigKey("limits.max_concurrent", "0",
            "an integer 0..10^15 (0 = none)", false, true, "Default requests in flight at once per key.");
    public static final ConfigKey LIMITS_TOKENS_PER_DAY = new ConfigKey("limits.tokens_per_day", "0",
            "an integer 0..10^15 (0 = none)", false, true, "Default token budget per key per UTC day.");
    public static final ConfigKey LIMITS_TOKENS_PER_MONTH = new ConfigKey("limits.tokens_per_month", "0",
            "an integer 0..10^15 (0 = none)", false, true, "Default token budget per key per UTC month.");
    public static final ConfigKey CACHE_RESPONSES = new ConfigKey("cache.responses", "false",
            "true or false", false, true,
            "Cache answers to deterministic requests (temperature 0 or a seed, n = 1) and replay them (X-Stellar-Cache: hit).");
    public static final ConfigKey CACHE_EMBEDDINGS = new ConfigKey("cache.embeddings", "true",
            "true or false", false, true, "Cache embeddings per model and input; a batch computes only the inputs not cached.");
    public static final ConfigKey CACHE_TTL = new ConfigKey("cache.ttl", "1h",
            "a duration 1s..30d: a number with ms, s, m or h", false, true, "How long a cached answer or embedding lives.");
    public static final ConfigKey CACHE_MEMORY_BYTES = new ConfigKey("cache.memory_bytes", "64MiB",
            "a size 0 B..1024GiB: bytes, or a number with KiB, MiB or GiB", false, true,
            "Size of the in-process cache tier (in front of Redis); 0 = none.");
    public static final ConfigKey CACHE_MAX_ENTRY_BYTES = new ConfigKey("cache.max_entry_bytes", "1MiB",
            "a size 1 B..512MiB: bytes, or a number with KiB, MiB or GiB", false, true,
            "Largest entry cached; a bigger answer is served but not stored.");
    public static final ConfigKey TELEMETRY_SINKS = new ConfigKey("telemetry.sinks", "file",
            "a list of file, elasticsearch, otlp (env: comma-separated); empty: none", false, true,
            "Where telemetry events go (model calls, session turns, tool calls, key and admin actions, feedback, model loads, breaker changes); several at once.");
    public static final ConfigKey TELEMETRY_DIR = new ConfigKey("telemetry.dir", "",
            "empty, or a path", false, true, "Directory of the file sink's JSON-lines files; empty: <data.dir>/telemetry.");
    public static final ConfigKey TELEMETRY_MAX_FILE_SIZE = new ConfigKey("telemetry.max_file_size", "64MiB",
            "a size 1KiB..1024GiB: bytes, or a number with KiB, MiB or GiB", false, true,
            "A JSON-lines file rolls over at this size; a new file starts every UTC day.");
    public static final ConfigKey TELEMETRY_RETENTION = new ConfigKey("telemetry.retention", "7d",
            "a duration 1h..3650d: a number with ms, s, m, h or d", false, true, "JSON-lines files older than this are deleted.");
    public static final ConfigKey TELEMETRY_ELASTICSEARCH_URL = new ConfigKey("telemetry.elasticsearch_url", "",
            "empty, or an http(s) URL", false, true, "Elasticsearch or OpenSearch for the elasticsearch sink (the _bulk API).");
    public static final ConfigKey TELEMETRY_ELASTICSEARCH_INDEX = new ConfigKey("telemetry.elasticsearch_index",
            "stellar-events", "a lowercase index name prefix", false, true,
            "Events go to <prefix>-yyyy.MM.dd, one index per UTC day, created on first use.");
    public static final ConfigKey TELEMETRY_ELASTICSEARCH_API_KEY = new ConfigKey("telemetry.elasticsearch_api_key", "",
            "empty, or an API key", true, true, "Sent as Authorization: ApiKey <key> (secret, masked when printed).");
    public static final ConfigKey TELEMETRY_OTLP_ENDPOINT = new ConfigKey("telemetry.otlp_endpoint", "",
            "empty, or an http(s) URL", false, true,
            "OTLP/HTTP logs endpoint of an OpenTelemetry Collector for the otlp sink, e.g. http://collector:4318/v1/logs.");
    public static final ConfigKey TELEMETRY_QUEUE_SIZE = new ConfigKey("telemetry.queue_size", "10000",
            "an integer 1..10000000", false, true,
            "Events waiting per sink; when full, new events are dropped and counted (stellar_telemetry_dropped_total), never blocking a request.");
    public static final ConfigKey TELEMETRY_MAX_IN_FLIGHT = new ConfigKey("telemetry.max_in_flight", "2",
            "an integer 1..64", false, true, "Sender threads per sink: batches being written at once.");
    public static final ConfigKey TELEMETRY_BATCH_SIZE = new ConfigKey("telemetry.batch_size", "500",
            "an integer 1..100000", false, true, "Events per batch at most.");
    public static final ConfigKey TELEMETRY_FLUSH_INTERVAL = new ConfigKey("telemetry.flush_interval", "1s",
            "a duration 1ms..1h: a number with ms, s, m or h", false, true,
            "A batch is written at the latest this long after its first event.");
    public static final ConfigKey TELEMETRY_INCLUDE_CONTENT = new ConfigKey("telemetry.include_content", "false",
            "true or false", false, true, "Put prompt and answer text into model-call events (off: counts and timings only).");
    public static final ConfigKey USAGE_RETENTION = new ConfigKey("usage.retention", "90d",
            "a duration 0s..36500d: a number with ms, s, m, h or d (0s = keep)", false, true,
            "Rows of the usage table (one per model call, GET /v1/admin/usage) older than this are deleted.");
    public static final ConfigKey TRACING_ENDPOINT = new ConfigKey("tracing.endpoint", "",
            "empty, or an http(s) URL", false, true,
            "OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces; empty: tracing off (an incoming traceparent still names the request).");
    public static final ConfigKey TRACING_SAMPLE_RATIO = new ConfigKey("tracing.sample_ratio", "1.0",
            "a number 0..1", false, true, "Share of new traces recorded; a continued traceparent keeps the caller's decision.");
    public static final ConfigKey TRACING_SERVICE_NAME = new ConfigKey("tracing.service_name", "stellarchat",
            "a non-empty string", false, true, "The service.name of spans and OTLP log records.");

    /** All keys, in the order they are documented and printed. */
    public static final List<ConfigKey> ALL = List.of(SERVER_HOST, SERVER_PORT, SERVER_MAX_BODY_BYTES,
            SERVER_DRAIN_TIMEOUT, SERVER_API_KEYS, SERVER_WS_MAX_FRAME_BYTES, SERVER_CORS_ALLOWED_ORIGINS,
            SERVER_IDLE_TIMEOUT, SERVER_HEADER_TIMEOUT, SERVER_BODY_TIMEOUT, LOGGING_FORMAT, LOGGING_LEVEL, LOGGING_FILE, LOGGING_MAX_FILE_SIZE,
            LOGGING_MAX_HISTORY, LOGGING_LEVELS, LOGGING_BODIES, MODELS_DIR, MODELS_LIST,
            MODELS_KEEP_ALIVE, MODELS_MAX_LOADED, MODELS_HUB_ENDPOINT, MODELS_HUB_TOKEN, PROVIDERS,
            ENGINE_THREADS, ENGINE_CONTEXT_LENGTH, ENGINE_QUEUE_DEPTH, ENGINE_MAX_WAIT, ENGINE_KEEP_ALIVE,
            ENGINE_MAX_BATCH_TOKENS, ENGINE_MAX_RUNNING, ENGINE_KV_CACHE_SIZE, ENGINE_KV_BLOCK_SIZE, ENGINE_KV_PRECISION,
            ENGINE_PREFIX_CACHING, DATA_DIR, DATABASE_URL, DATABASE_USER, DATABASE_PASSWORD, DATABASE_POOL_SIZE, DATABASE_LEASE, DATABASE_LEASE_RENEW,
            DATABASE_PARTIAL_REPLY_TOKENS, DATABASE_PARTIAL_REPLY_INTERVAL,
            METRICS_ENABLED,
            METRICS_PER_KEY_LABELS, REDIS_URL, REDIS_TIMEOUT, LIMITS_REDIS_FALLBACK, LIMITS_REQUESTS_PER_MINUTE,
            LIMITS_TOKENS_PER_MINUTE, LIMITS_MAX_CONCURRENT, LIMITS_TOKENS_PER_DAY, LIMITS_TOKENS_PER_MONTH,
            CACHE_RESPONSES, CACHE_EMBEDDINGS, CACHE_TTL, CACHE_MEMORY_BYTES, CACHE_MAX_ENTRY_BYTES,
            TELEMETRY_SINKS, TELEMETRY_DIR, TELEMETRY_MAX_FILE_SIZE, TELEMETRY_RETENTION, TELEMETRY_ELASTICSEARCH_URL,
            TELEMETRY_ELASTICSEARCH_INDEX, TELEMETRY_ELASTICSEARCH_API_KEY, TELEMETRY_OTLP_ENDPOINT, TELEMETRY_QUEUE_SIZE,
            TELEMETRY_MAX_IN_FLIGHT, TELEMETRY_BATCH_SIZE, TELEMETRY_FLUSH_INTERVAL, TELEMETRY_INCLUDE_CONTENT,
            USAGE_RETENTION, TRACING_ENDPOINT, TRACING_SAMPLE_RATIO, TRACING_SERVICE_NAME);

    /** Environment variables the launcher reads that are not configuration keys. */
    public static final List<String> OTHER_ENV = List.of("STELLAR_CONFIG", "STELLAR_JAVA_OPTS");

    /** The key at a dotted path. */
    public static Optional<ConfigKey> byPath(String path) {
        return ALL.stream().filter(k -> k.path().equals(path)).findFirst();
    }

    /** The distinct section names, in order. */
    public static List<String> sections() {
        return ALL.stream().map(ConfigKey::section).distinct().toList();
    }
}
