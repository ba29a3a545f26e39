package io.stellarchat.server.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** Wrapped work sees the submitter's MDC; the worker's own MDC is restored afterwards. */
class LogContextTest {
    final ExecutorService pool = Executors.newSingleThreadExecutor();

    @AfterEach
    void tearDown() {
        pool.shutdownNow();
        MDC.clear();
    }

    @Test
    void wrappedRunnableAndCallableCarryTheRequestId() throws Exception {
        LogContext.enter(RequestId.from(null, "req-1"));
        CompletableFuture<String> seen = new CompletableFuture<>();
        pool.execute(LogContext.wrap(() -> {
            seen.complete(MDC.get(LogContext.REQUEST_ID));
        }));
        assertEquals("req-1", seen.get(5, TimeUnit.SECONDS));
        Future<String> called = pool.submit(LogContext.wrapCallable(() -> MDC.get(LogContext.REQUEST_ID)));
        assertEquals("req-1", called.get(5, TimeUnit.SECONDS));
        // the pool thread is clean again afterwards
        assertNull(pool.submit(() -> MDC.get(LogContext.REQUEST_ID)).get(5, TimeUnit.SECONDS));
    }

    @Test
    void wrappedExecutorCarriesEachSubmittersContext() throws Exception {
        var executor = LogContext.wrapExecutor(pool);
        LogContext.enter(RequestId.from("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", null));
        CompletableFuture<String> trace = new CompletableFuture<>();
        executor.execute(() -> trace.complete(MDC.get(LogContext.TRACE_ID)));
        assertEquals("0af7651916cd43dd8448eb211c80319c", trace.get(5, TimeUnit.SECONDS));
        LogContext.leave();
        CompletableFuture<String> none = new CompletableFuture<>();
        executor.execute(() -> none.complete(String.valueOf(MDC.get(LogContext.REQUEST_ID))));
        assertEquals("null", none.get(5, TimeUnit.SECONDS));
    }
}
