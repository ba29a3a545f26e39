package io.stellarchat.server.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.Layout;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import io.stellarchat.server.config.LoggingConfig;
import java.nio.charset.StandardCharsets;
import org.slf4j.LoggerFactory;

/**
 * Configures Logback from {@code logging.*}, replacing whatever {@code logback.xml} set up at class-loading
 * time: one console appender on standard output, text or JSON lines, the root level, and the chatty
 * libraries (Jetty, Javalin) held at WARN unless the root level is lower than that.
 */
public final class LogSetup {
    /** The text layout: time, level, request id when serving a request, logger, message. */
    public static final String TEXT_PATTERN =
            "%d{HH:mm:ss.SSS} %-5level %replace([%X{request_id}] ){'\\[\\] ', ''}%logger{30} - %msg%n";

    private LogSetup() {}

    public static void apply(LoggingConfig config) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return; // another SLF4J backend is bound (embedding); it is configured by its owner
        }
        context.reset();
        Layout<ILoggingEvent> layout;
        if (config.format() == LoggingConfig.Format.JSON) {
            layout = new JsonLineLayout();
        } else {
            PatternLayout pattern = new PatternLayout();
            pattern.setPattern(TEXT_PATTERN);
            layout = pattern;
        }
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setCharset(StandardCharsets.UTF_8);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("console");
        console.setEncoder(encoder);
        console.start();

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        Level level = Level.toLevel(config.level().name());
        root.setLevel(level);
        root.addAppender(console);
        Level quiet = level.isGreaterOrEqual(Level.WARN) ? level : Level.WARN;
        context.getLogger("org.eclipse.jetty").setLevel(quiet);
        context.getLogger("io.javalin").setLevel(quiet);
    }
}
