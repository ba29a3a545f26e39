package io.stellarchat.server.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.Layout;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import io.stellarchat.server.config.LoggingConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Configures Logback from {@code logging.*}, replacing whatever {@code logback.xml} set up at class-loading
 * time: a console appender on standard output and, with {@code logging.file}, a rolling file beside it (a new
 * file each UTC day and whenever one reaches {@code max_file_size}, {@code max_history} days kept), both text or
 * JSON lines with secrets masked; the root level, the chatty libraries (Jetty, Javalin) held at WARN unless the
 * root level is lower than that, then {@code logging.levels} over all of it.
 */
public final class LogSetup {
    /** The text layout: time, level, request id when serving a request, logger, message (secrets masked). */
    public static final String TEXT_PATTERN =
            "%d{HH:mm:ss.SSS} %-5level %replace([%X{request_id}] ){'\\[\\] ', ''}%logger{30} - %msg%n";
    /** The file's text layout: the same with the date. */
    static final String FILE_PATTERN =
            "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX, UTC} %-5level %replace([%X{request_id}] ){'\\[\\] ', ''}%logger{30} - %msg%n";

    private LogSetup() {}

    public static void apply(LoggingConfig config) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return; // another SLF4J backend is bound (embedding); it is configured by its owner
        }
        context.reset();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("console");
        console.setEncoder(encoder(context, layout(context, config.format(), TEXT_PATTERN)));
        console.start();

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        Level level = Level.toLevel(config.level().name());
        root.setLevel(level);
        root.addAppender(console);
        if (config.file() != null) root.addAppender(file(context, config));
        Level quiet = level.isGreaterOrEqual(Level.WARN) ? level : Level.WARN;
        context.getLogger("org.eclipse.jetty").setLevel(quiet);
        context.getLogger("io.javalin").setLevel(quiet);
        for (Map.Entry<String, LoggingConfig.Level> e : config.levels().entrySet()) {
            context.getLogger(e.getKey()).setLevel(Level.toLevel(e.getValue().name()));
        }
        if (config.bodies()) {
            Logger bodies = context.getLogger("io.stellarchat.server.bodies");
            if (!bodies.isDebugEnabled()) bodies.setLevel(Level.DEBUG);
        }
    }

    private static Appender<ILoggingEvent> file(LoggerContext context, LoggingConfig config) {
        Path path = config.file().toAbsolutePath();
        RollingFileAppender<ILoggingEvent> file = new RollingFileAppender<>();
        file.setContext(context);
        file.setName("file");
        file.setFile(path.toString());
        SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
        policy.setContext(context);
        policy.setParent(file);
        String name = path.getFileName().toString();
        String base = name.endsWith(".log") ? name.substring(0, name.length() - 4) : name;
        policy.setFileNamePattern(path.resolveSibling(base + ".%d{yyyy-MM-dd, UTC}.%i.log.gz").toString());
        policy.setMaxFileSize(new FileSize(config.maxFileSize()));
        policy.setMaxHistory(config.maxHistory());
        policy.start();
        file.setRollingPolicy(policy);
        file.setTriggeringPolicy(policy);
        file.setEncoder(encoder(context, layout(context, config.format(), FILE_PATTERN)));
        file.start();
        return file;
    }

    private static Layout<ILoggingEvent> layout(LoggerContext context, LoggingConfig.Format format, String pattern) {
        Layout<ILoggingEvent> layout;
        if (format == LoggingConfig.Format.JSON) {
            layout = new JsonLineLayout();
        } else {
            PatternLayout p = new PatternLayout();
            // %msg (and its aliases) with secrets masked.
            p.getInstanceConverterMap().put("msg", MaskingMessageConverter::new);
            p.getInstanceConverterMap().put("m", MaskingMessageConverter::new);
            p.getInstanceConverterMap().put("message", MaskingMessageConverter::new);
            p.setPattern(pattern);
            layout = p;
        }
        layout.setContext(context);
        layout.start();
        return layout;
    }

    private static LayoutWrappingEncoder<ILoggingEvent> encoder(LoggerContext context, Layout<ILoggingEvent> layout) {
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setCharset(StandardCharsets.UTF_8);
        encoder.setLayout(layout);
        encoder.start();
        return encoder;
    }
}
