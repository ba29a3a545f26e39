package io.stellarchat.server.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import io.javalin.util.JavalinException;
import io.stellarchat.server.config.ServerConfig;
import io.stellarchat.server.observe.HttpMetrics;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server: Javalin 7 on Jetty 12, handlers on virtual threads.
 *
 * <p>Lifecycle: NEW → {@link #start()} → STARTED → {@link #close()} → CLOSED (close from NEW goes straight to
 * CLOSED; a second close does nothing). Shutdown is graceful: Jetty stops accepting connections, a
 * {@link GracefulHandler} lets requests already in flight finish for up to {@code server.drain_timeout},
 * then remaining connections are closed.
 *
 * <p>Every request passes through {@code RequestTracking} (id, log context, access log, metrics) and every
 * failure through {@code ErrorMapping}; the route groups given to the constructor add the features.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
    private static final int NEW = 0;
    private static final int STARTED = 1;
    private static final int CLOSED = 2;

    private final ServerConfig config;
    private final Javalin app;
    private final AtomicInteger state = new AtomicInteger(NEW);
    private final HeaderDeadline headerDeadline;
    /** Connections the kernel may hold before they are accepted. */
    private static final int ACCEPT_QUEUE = 1024;

    /**
     * @param config  listener settings (host, port, body limit, drain timeout)
     * @param mapper  the JSON mapper for bodies and errors
     * @param metrics where request metrics are recorded
     * @param groups  the features' routes, registered in order
     */
    public HttpServer(ServerConfig config, ObjectMapper mapper, HttpMetrics metrics, List<RouteGroup> groups) {
        this(config, mapper, metrics, groups, io.stellarchat.server.observe.Tracing.off(), false);
    }

    /**
     * @param tracing   where server spans go (a no-op when tracing is off)
     * @param logBodies whether request bodies are logged ({@code logging.bodies})
     */
    public HttpServer(ServerConfig config, ObjectMapper mapper, HttpMetrics metrics, List<RouteGroup> groups,
                      io.stellarchat.server.observe.Tracing tracing, boolean logBodies) {
        this.config = config;
        ErrorMapping errors = new ErrorMapping(mapper, config.maxBodyBytes(),
                groups.stream().map(RouteGroup::errors).filter(java.util.Objects::nonNull).toList());
        RequestTracking tracking = new RequestTracking(metrics, config.maxBodyBytes(), tracing, logBodies);
        ServerConfig.ConnectionTimeouts timeouts = config.connections();
        this.headerDeadline = new HeaderDeadline(timeouts.headers(), timeouts.body());
        this.app = Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = true;
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.startup.startupWatcherEnabled = false;
            cfg.http.maxRequestSize = config.maxBodyBytes();
            cfg.http.prefer405over404 = true;
            cfg.jsonMapper(new JavalinJackson(mapper, true));
            // One HTTP/1.1 connector, as Javalin's default, with the slowloris defences: the idle timeout and
            // the header and body deadlines.
            cfg.jetty.addConnector((server, http) -> {
                ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
                connector.setHost(config.host());
                connector.setPort(config.port());
                connector.setIdleTimeout(timeouts.idle().toMillis());
                // A burst of clients connecting at once waits in the kernel's accept queue; at the JDK's default
                // of 50 the rest see their SYNs dropped and retried after 1, 3, 7 s (the kernel caps it at somaxconn).
                connector.setAcceptQueueSize(ACCEPT_QUEUE);
                connector.addEventListener(headerDeadline);
                return connector;
            });
            // Javalin's WebSocket upgrade opens a servlet session for every connection (it copies session
            // attributes into the upgrade); StellarChat keeps nothing in them, and Jetty's default cache holds
            // each until its house-keeper expires it (never, by default): ~600 B per WebSocket connection (the
            // hour-long soak's heap slope). A null session cache keeps none once the request is done.
            cfg.jetty.modifyServletContextHandler(context -> {
                var sessions = context.getSessionHandler();
                if (sessions != null) {
                    var none = new org.eclipse.jetty.session.NullSessionCache(sessions);
                    none.setSessionDataStore(new org.eclipse.jetty.session.NullSessionDataStore());
                    sessions.setSessionCache(none);
                }
            });
            cfg.jetty.modifyServer(server -> {
                server.setStopTimeout(config.drainTimeout().toMillis());
                server.setHandler(new GracefulHandler()); // Javalin nests its servlet handler inside
                server.setErrorHandler(new JettyErrorBodies(mapper));
            });
            cfg.requestLogger.http(tracking::after);
            cfg.routes.before(tracking::before);
            cfg.routes.after(tracking::leaveSpan);
            errors.register(cfg.routes);
            for (RouteGroup group : groups) group.register(cfg.routes);
        });
    }

    /**
     * Binds and starts serving.
     *
     * @return the bound port (the real one when the configured port is 0)
     * @throws IllegalStateException if already started or closed
     * @throws io.javalin.util.JavalinException if the port cannot be bound
     */
    public int start() {
        if (!state.compareAndSet(NEW, STARTED)) throw new IllegalStateException("server already started or closed");
        if (!config.isLoopbackOnly() && config.apiKeys().isEmpty()) {
            log.warn("listening on {} (not only loopback) with no API keys configured: anyone who can reach "
                    + "this port can use the service; set server.api_keys", config.host());
        }
        app.start();
        log.info("listening on http://{}:{}", config.host(), port());
        return port();
    }

    /** The bound port; valid after {@link #start()}. */
    public int port() {
        return app.port();
    }

    /**
     * Every route registered, as {@code "<METHOD> <path template>"} ({@code "WS <path>"} for a WebSocket), in
     * registration order; before-handlers and error mappers are not routes. Lets a test walk every endpoint
     * (scopes, body limits) so that a new route cannot skip a check unnoticed.
     */
    public List<String> endpoints() {
        List<String> out = new java.util.ArrayList<>();
        for (var e : app.unsafe.internalRouter.allHttpHandlers()) {
            String method = e.endpoint.method.name();
            if (e.endpoint.method.isHttpMethod()) out.add(method + " " + e.endpoint.path);
        }
        for (var w : app.unsafe.internalRouter.allWsHandlers()) {
            if (w.getType() == io.javalin.websocket.WsHandlerType.WEBSOCKET) out.add("WS " + w.getPath());
        }
        return List.copyOf(out);
    }

    /** Stops accepting, drains in-flight requests up to the drain timeout, then stops. Idempotent. */
    @Override
    public void close() {
        int previous = state.getAndSet(CLOSED);
        if (previous == CLOSED) return;
        headerDeadline.close();
        if (previous != STARTED) return;
        log.info("shutting down: draining in-flight requests for up to {} ms", config.drainTimeout().toMillis());
        long t0 = System.nanoTime();
        try {
            app.stop();
            log.info("stopped after {} ms", (System.nanoTime() - t0) / 1_000_000);
        } catch (JavalinException e) {
            // Jetty finishes stopping and then reports the graceful phase that ran out of time.
            if (e.getCause() instanceof TimeoutException) {
                log.warn("drain timeout of {} ms expired with requests still in flight; they were cut off",
                        config.drainTimeout().toMillis());
            } else {
                log.warn("error while stopping the HTTP server", e);
            }
        }
    }
}
