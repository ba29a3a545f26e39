package io.stellarchat.server.cli;

import io.stellarchat.engine.gguf.GgufFile;
import io.stellarchat.engine.gguf.GgufMetadata;
import io.stellarchat.engine.gguf.GgufTensorInfo;
import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code stellar inspect F.gguf}: the header, metadata and tensor table of a GGUF file. */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Print a GGUF file's metadata and tensor table.")
final class InspectCommand implements Callable<Integer> {
    private final CliEnvironment env;

    @Parameters(index = "0", paramLabel = "FILE", description = "GGUF file.")
    Path file;

    @Option(names = "--array-items", defaultValue = "8", description = "Array elements to show (default: ${DEFAULT-VALUE}).")
    int arrayItems;

    InspectCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        try (GgufFile f = GgufFile.open(file)) {
            var out = env.out();
            out.printf(Locale.ROOT, "file: %s%nGGUF version %d, %,d bytes, alignment %d, tensor data at %,d%n",
                    f.path(), f.version(), f.fileSize(), f.alignment(), f.dataOffset());
            GgufMetadata md = f.metadata();
            out.printf(Locale.ROOT, "%nmetadata (%d keys):%n", md.keys().size());
            for (String key : md.keys()) {
                out.printf(Locale.ROOT, "  %-48s %-8s %s%n", key, md.type(key), render(md.raw(key)));
            }
            out.printf(Locale.ROOT, "%ntensors (%d):%n", f.tensors().size());
            long total = 0;
            for (GgufTensorInfo t : f.tensors()) {
                out.printf(Locale.ROOT, "  %-40s %-6s %-22s offset %,14d  %,12d bytes%n",
                        t.name(), t.type(), Arrays.toString(t.dims()), t.offset(), t.byteSize());
                total += t.byteSize();
            }
            out.printf(Locale.ROOT, "%ntotal tensor bytes: %,d%n", total);
            out.flush();
            return 0;
        }
    }

    private String render(Object v) {
        if (v == null || !v.getClass().isArray()) {
            String s = String.valueOf(v);
            return v instanceof String ? quote(s) : s;
        }
        int n = Array.getLength(v);
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < Math.min(n, arrayItems); i++) {
            if (i > 0) {
                b.append(", ");
            }
            b.append(render(Array.get(v, i)));
        }
        if (n > arrayItems) {
            b.append(", … ").append(n - arrayItems).append(" more");
        }
        return b.append("] (").append(n).append(" items)").toString();
    }

    private static String quote(String s) {
        String t = s.length() > 120 ? s.substring(0, 120) + "…(" + s.length() + " chars)" : s;
        return '"' + t.replace("\n", "\\n") + '"';
    }
}
