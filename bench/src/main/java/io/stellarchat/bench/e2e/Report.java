package io.stellarchat.bench.e2e;

import java.util.List;
import java.util.Locale;

/** Formats benchmark results as a llama-bench style markdown table and as JSON. */
final class Report {
    private Report() {}

    static String markdown(List<EndToEndBench.Result> results, CopyBandwidth.Result copy) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%n| %-18s | %11s | %8s | %-17s | %7s | %12s | %18s | %17s |%n",
                "model", "size", "params", "backend", "threads", "test", "t/s (median ± sd)", "min – max"));
        sb.append("| ------------------ | ----------: | -------: | ----------------- | ------: | -----------: | -----------------: | ----------------: |\n");
        for (EndToEndBench.Result r : results) {
            sb.append(String.format(Locale.ROOT, "| %-18s | %7.2f MiB | %6.2f B | %-17s | %7d | %12s | %18s | %17s |%n",
                    r.model(), r.weightBytes() / 1048576.0, r.params() / 1e9, r.backend(), r.threads(), r.test(),
                    String.format(Locale.ROOT, "%.2f ± %.2f", r.tps().median(), r.tps().stddev()),
                    String.format(Locale.ROOT, "%.2f – %.2f", r.tps().min(), r.tps().max())));
        }
        sb.append('\n');
        if (copy != null) {
            sb.append(String.format(Locale.ROOT,
                    "Copy bandwidth (%d MiB per pass, read + written, best of %d): %.2f GB/s 1 thread, %.2f GB/s %d threads"
                    + " (\"vs copy\" below compares with the latter)%n",
                    copy.bytes() >> 20, CopyBandwidth.PASSES, copy.singleGbps(), copy.multiGbps(), copy.threads()));
        }
        sb.append(ratios(results));
        boolean header = false;
        for (EndToEndBench.Result r : results) {
            if (Double.isNaN(r.effectiveGbps()) || r.backend().equals(LlamaBench.NAME)) {
                continue;
            }
            if (!header) {
                sb.append("\n| model              | backend           | weights/token | test   |      t/s | effective GB/s | vs copy |\n");
                sb.append("| ------------------ | ----------------- | ------------: | -----: | -------: | -------------: | ------: |\n");
                header = true;
            }
            String ratio = copy == null || copy.multiGbps() <= 0 ? "-"
                    : String.format(Locale.ROOT, "%.0f %%", 100 * r.effectiveGbps() / copy.multiGbps());
            sb.append(String.format(Locale.ROOT, "| %-18s | %-17s | %9.2f MiB | %6s | %8.2f | %14.2f | %7s |%n",
                    r.model(), r.backend(), r.readBytes() / 1048576.0, r.test(), r.tps().median(), r.effectiveGbps(),
                    ratio));
        }
        return sb.toString();
    }

    /**
     * Side by side: per model and test, each backend's median and its ratio to llama.cpp's median (when
     * llama-bench ran) or else to the first backend's; empty with a single backend.
     */
    static String ratios(List<EndToEndBench.Result> results) {
        java.util.Map<String, List<EndToEndBench.Result>> byTest = new java.util.LinkedHashMap<>();
        for (EndToEndBench.Result r : results) {
            byTest.computeIfAbsent(r.model() + " " + r.test(), k -> new java.util.ArrayList<>()).add(r);
        }
        if (byTest.values().stream().allMatch(l -> l.size() < 2)) {
            return "";
        }
        StringBuilder sb = new StringBuilder(
                "\n| model              | test         | backend           | t/s (median) | vs baseline | baseline |\n"
                + "| ------------------ | -----------: | ----------------- | -----------: | ----------: | -------- |\n");
        for (List<EndToEndBench.Result> group : byTest.values()) {
            EndToEndBench.Result base = group.stream().filter(r -> r.backend().equals(LlamaBench.NAME)).findFirst()
                    .orElse(group.getFirst());
            for (EndToEndBench.Result r : group) {
                sb.append(String.format(Locale.ROOT, "| %-18s | %12s | %-17s | %12.2f | %10.2fx | %-8s |%n", r.model(),
                        r.test(), r.backend(), r.tps().median(), r.tps().median() / base.tps().median(), base.backend()));
            }
        }
        return sb.toString();
    }

    static String json(List<EndToEndBench.Result> results, CopyBandwidth.Result copy, BenchArgs args) {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"java\": ").append(str(System.getProperty("java.vm.name") + " " + Runtime.version())).append(",\n");
        sb.append("  \"cpus\": ").append(Runtime.getRuntime().availableProcessors()).append(",\n");
        sb.append("  \"threads\": ").append(args.threads()).append(",\n");
        sb.append("  \"reps\": ").append(args.reps()).append(",\n");
        if (copy != null) {
            sb.append("  \"copy_bandwidth\": {\"bytes_per_pass\": ").append(copy.bytes())
                    .append(", \"gbps_1_thread\": ").append(num(copy.singleGbps()))
                    .append(", \"gbps_n_threads\": ").append(num(copy.multiGbps()))
                    .append(", \"n_threads\": ").append(copy.threads()).append("},\n");
        }
        sb.append("  \"results\": [");
        for (int i = 0; i < results.size(); i++) {
            EndToEndBench.Result r = results.get(i);
            sb.append(i == 0 ? "\n" : ",\n");
            sb.append("    {\"model\": ").append(str(r.model()))
                    .append(", \"file\": ").append(str(r.file().toString()))
                    .append(", \"file_bytes\": ").append(r.fileBytes())
                    .append(", \"weight_bytes\": ").append(r.weightBytes())
                    .append(", \"read_bytes_per_token\": ").append(r.readBytes())
                    .append(", \"params\": ").append(r.params())
                    .append(", \"kernels\": ").append(str(r.kernels()))
                    .append(", \"backend\": ").append(str(r.backend()))
                    .append(", \"threads\": ").append(r.threads())
                    .append(", \"test\": ").append(str(r.test()))
                    .append(", \"tokens\": ").append(r.tokens())
                    .append(", \"tps_samples\": [");
            double[] s = r.tps().samples();
            for (int j = 0; j < s.length; j++) {
                sb.append(j == 0 ? "" : ", ").append(num(s[j]));
            }
            sb.append("], \"tps_median\": ").append(num(r.tps().median()))
                    .append(", \"tps_min\": ").append(num(r.tps().min()))
                    .append(", \"tps_max\": ").append(num(r.tps().max()))
                    .append(", \"tps_stddev\": ").append(num(r.tps().stddev()));
            if (!Double.isNaN(r.effectiveGbps())) {
                sb.append(", \"effective_gbps\": ").append(num(r.effectiveGbps()));
            }
            sb.append('}');
        }
        sb.append("\n  ]\n}\n");
        return sb.toString();
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "null";
    }

    private static String str(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
