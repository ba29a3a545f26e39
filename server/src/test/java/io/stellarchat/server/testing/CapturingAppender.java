package io.stellarchat.server.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/** Collects the events of one logger (and its children) so a test can look for a line; detach with close(). */
public final class CapturingAppender extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
    private final Logger logger;

    public CapturingAppender(String loggerName) {
        this.logger = (Logger) LoggerFactory.getLogger(loggerName);
        setContext(logger.getLoggerContext());
        setName("capture-" + loggerName);
        start();
        logger.addAppender(this);
    }

    @Override
    protected void append(ILoggingEvent event) {
        event.prepareForDeferredProcessing(); // freezes MDC and the formatted message
        events.add(event);
    }

    public List<ILoggingEvent> events() {
        return List.copyOf(events);
    }

    /** Waits up to 5 s for an event matching {@code p} (access lines are written as the response completes). */
    public ILoggingEvent await(Predicate<ILoggingEvent> p) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            for (ILoggingEvent e : events) {
                if (p.test(e)) return e;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no matching log event; captured: "
                + events.stream().map(e -> e.getFormattedMessage() + " " + e.getMDCPropertyMap()).toList());
    }

    @Override
    public void close() {
        logger.detachAppender(this);
        stop();
    }
}
