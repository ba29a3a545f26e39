package io.stellarchat.server.observe;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Events as JSON lines in {@code <dir>/events-<yyyy-MM-dd>[.<n>].jsonl}: a new file every UTC day, and a new part
 * when the current one reaches {@code maxFileSize}. Files whose day is older than {@code retention} are deleted
 * (checked when a file is opened). Each batch is written and flushed with one write call, so a reader never
 * sees half a line unless the process dies mid-write.
 *
 * <p>Threads: {@link #write} is synchronized (the file is one stream); the pipeline's senders call it.
 */
public final class JsonLinesSink implements TelemetrySink {
    private static final Pattern NAME = Pattern.compile("events-(\\d{4}-\\d{2}-\\d{2})(?:\\.(\\d+))?\\.jsonl");
    private final Path dir;
    private final long maxFileSize;
    private final Duration retention;
    private final Clock clock;
    // Guarded by this.
    private OutputStream out;
    private LocalDate day;
    private int part;
    private long size;

    public JsonLinesSink(Path dir, long maxFileSize, Duration retention, Clock clock) {
        this.dir = dir;
        this.maxFileSize = maxFileSize;
        this.retention = retention;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "file";
    }

    @Override
    public synchronized void write(List<TelemetryEvent> batch) throws IOException {
        StringBuilder text = new StringBuilder(batch.size() * 300);
        for (TelemetryEvent e : batch) text.append(EventJson.of(e)).append('\n');
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        if (out == null || !today.equals(day) || size > 0 && size + bytes.length > maxFileSize) roll(today);
        out.write(bytes);
        out.flush();
        size += bytes.length;
    }

    /** The file events go to now (tests). */
    synchronized Path current() {
        return day == null ? null : file(day, part);
    }

    private Path file(LocalDate d, int n) {
        return dir.resolve("events-" + d + (n == 0 ? "" : "." + n) + ".jsonl");
    }

    private void roll(LocalDate today) throws IOException {
        closeQuietly();
        Files.createDirectories(dir);
        if (!today.equals(day)) {
            day = today;
            part = lastPart(today);
            deleteExpired(today);
        } else {
            part++;
        }
        Path f = file(day, part);
        while (Files.exists(f) && Files.size(f) >= maxFileSize) f = file(day, ++part);
        out = Files.newOutputStream(f, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        size = Files.size(f);
    }

    /** The highest part number of {@code d} already on disk (a restart appends to it). */
    private int lastPart(LocalDate d) throws IOException {
        int last = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "events-" + d + "*.jsonl")) {
            for (Path p : files) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches() && m.group(2) != null) last = Math.max(last, Integer.parseInt(m.group(2)));
            }
        }
        return last;
    }

    private void deleteExpired(LocalDate today) throws IOException {
        Instant cutoff = today.atStartOfDay(ZoneOffset.UTC).toInstant().minus(retention);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "events-*.jsonl")) {
            for (Path p : files) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (!m.matches()) continue;
                Instant end = LocalDate.parse(m.group(1)).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
                if (end.isBefore(cutoff) || end.equals(cutoff)) Files.deleteIfExists(p);
            }
        }
    }

    private void closeQuietly() {
        if (out == null) return;
        try {
            out.close();
        } catch (IOException ignored) {
            // the next file is opened regardless
        }
        out = null;
    }

    @Override
    public synchronized void close() {
        closeQuietly();
    }
}
