package io.stellarchat.server.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough of a Dockerfile reader to compare our Dockerfiles with the images built from them: the instructions
 * of one stage, continuation lines joined, comments dropped.
 */
final class Dockerfiles {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern OPTION = Pattern.compile("--([a-z-]+)=(\\S+)");

    private Dockerfiles() {}

    /** One instruction: its keyword in upper case and the rest of the (joined) line. */
    record Instruction(String keyword, String args) {}

    /** The image contract of the repository's Dockerfile: its stage {@code runtime-base}. */
    static List<Instruction> runtimeBase(Path root) throws IOException {
        return stage(root.resolve("Dockerfile"), "runtime-base");
    }

    /** The instructions of the stage {@code FROM ... AS name}, or after the last {@code FROM} when name is null. */
    static List<Instruction> stage(Path dockerfile, String name) throws IOException {
        List<Instruction> all = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String raw : Files.readAllLines(dockerfile)) {
            String t = raw.strip();
            if (t.startsWith("#") || (t.isEmpty() && line.isEmpty())) continue;
            if (t.endsWith("\\")) {
                line.append(t, 0, t.length() - 1).append(' ');
                continue;
            }
            line.append(t);
            String full = line.toString().strip();
            line.setLength(0);
            if (full.isEmpty()) continue;
            int sp = full.indexOf(' ');
            all.add(new Instruction(full.substring(0, sp).toUpperCase(), full.substring(sp + 1).strip()));
        }
        int from = -1;
        int end = all.size();
        for (int i = 0; i < all.size(); i++) {
            if (!all.get(i).keyword().equals("FROM")) continue;
            if (from >= 0 && name != null) {
                end = i;
                break;
            }
            if (name == null || all.get(i).args().endsWith(" AS " + name)) from = i;
        }
        if (from < 0) throw new AssertionError("no stage " + name + " in " + dockerfile);
        return all.subList(from + 1, end);
    }

    /** The one instruction {@code keyword} of the stage; fails unless there is exactly one. */
    static String single(List<Instruction> stage, String keyword) {
        List<String> found = stage.stream().filter(i -> i.keyword().equals(keyword)).map(Instruction::args).toList();
        if (found.size() != 1) throw new AssertionError("expected one " + keyword + " in the last stage, found " + found);
        return found.getFirst();
    }

    /** An exec-form JSON array ({@code ["java", "-cp", ...]}). */
    static List<String> execForm(String args) throws IOException {
        return List.of(JSON.readValue(args, String[].class));
    }

    /** {@code ENV A=1 B=2} instructions of the stage as a map (values without quotes or spaces only). */
    static Map<String, String> env(List<Instruction> stage) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Instruction i : stage) {
            if (!i.keyword().equals("ENV")) continue;
            for (String pair : i.args().split("\\s+")) {
                int eq = pair.indexOf('=');
                env.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return env;
    }

    /**
     * A {@code HEALTHCHECK --interval=30s ... CMD [...]} as Docker's image-config {@code Healthcheck} object:
     * {@code Test} is {@code ["CMD", ...]}, durations in nanoseconds.
     */
    static Map<String, Object> healthcheck(String args) throws IOException {
        int cmd = args.indexOf("CMD ");
        Map<String, Object> hc = new LinkedHashMap<>();
        List<String> test = new ArrayList<>(List.of("CMD"));
        test.addAll(execForm(args.substring(cmd + 4).strip()));
        hc.put("Test", test);
        Matcher m = OPTION.matcher(args.substring(0, cmd));
        while (m.find()) {
            switch (m.group(1)) {
                case "interval" -> hc.put("Interval", nanos(m.group(2)));
                case "timeout" -> hc.put("Timeout", nanos(m.group(2)));
                case "start-period" -> hc.put("StartPeriod", nanos(m.group(2)));
                case "retries" -> hc.put("Retries", Integer.parseInt(m.group(2)));
                default -> throw new AssertionError("unknown HEALTHCHECK option " + m.group());
            }
        }
        return hc;
    }

    private static long nanos(String d) {
        if (!d.endsWith("s")) throw new AssertionError("duration in seconds expected: " + d);
        return Duration.ofSeconds(Long.parseLong(d.substring(0, d.length() - 1))).toNanos();
    }
}
