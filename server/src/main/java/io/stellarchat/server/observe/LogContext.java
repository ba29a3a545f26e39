package io.stellarchat.server.observe;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import org.slf4j.MDC;

/**
 * The log context (SLF4J MDC) of a request, and wrappers that carry it to other threads. MDC is
 * thread-local, so work handed to an executor loses the request id unless wrapped:
 * {@code executor.execute(LogContext.wrap(task))}, or wrap the executor once with {@link #wrapExecutor(Executor)}. (Distinct names, because a lambda
 * would fit several overloads.)
 */
public final class LogContext {
    /** MDC key of the request id. */
    public static final String REQUEST_ID = "request_id";
    /** MDC key of the W3C trace id, present only when the request carried a {@code traceparent}. */
    public static final String TRACE_ID = "trace_id";

    private LogContext() {}

    /** Puts a request's id into the current thread's MDC. */
    public static void enter(RequestId id) {
        MDC.put(REQUEST_ID, id.value());
        if (id.traceId().isEmpty()) MDC.remove(TRACE_ID);
        else MDC.put(TRACE_ID, id.traceId());
    }

    /** Removes the request keys from the current thread's MDC. */
    public static void leave() {
        MDC.remove(REQUEST_ID);
        MDC.remove(TRACE_ID);
    }

    /** A runnable that runs with the MDC of the calling thread, and restores the running thread's own after. */
    public static Runnable wrap(Runnable task) {
        Map<String, String> captured = MDC.getCopyOfContextMap();
        return () -> {
            Map<String, String> previous = MDC.getCopyOfContextMap();
            install(captured);
            try {
                task.run();
            } finally {
                install(previous);
            }
        };
    }

    /** A callable that runs with the MDC of the calling thread. */
    public static <T> Callable<T> wrapCallable(Callable<T> task) {
        Map<String, String> captured = MDC.getCopyOfContextMap();
        return () -> {
            Map<String, String> previous = MDC.getCopyOfContextMap();
            install(captured);
            try {
                return task.call();
            } finally {
                install(previous);
            }
        };
    }

    /** An executor whose tasks run with the MDC of whoever submitted them. */
    public static Executor wrapExecutor(Executor executor) {
        return task -> executor.execute(wrap(task));
    }

    private static void install(Map<String, String> context) {
        if (context == null) MDC.clear();
        else MDC.setContextMap(context);
    }
}
