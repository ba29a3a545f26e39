package io.stellarchat.bench;

import io.stellarchat.bench.e2e.EndToEndBench;
import io.stellarchat.bench.serve.ServeBench;
import java.util.Arrays;

/**
 * Entry point of {@code ./stellar bench}. {@code ./stellar bench e2e [options]} runs the end-to-end model
 * benchmark ({@link EndToEndBench}: pp512/tg128 tokens/s and bandwidth); {@code ./stellar bench serve [options]}
 * drives an OpenAI-compatible server with concurrent streaming clients ({@link ServeBench}: throughput, time
 * to first token, inter-token latency, overload); {@code ./stellar bench gateway} measures what StellarChat adds
 * in front of an instant upstream ({@link io.stellarchat.bench.gateway.GatewayBench}); {@code ./stellar bench overload}
 * drives 4x and 16x an engine's capacity in streams ({@link io.stellarchat.bench.overload.OverloadBench});
 * {@code ./stellar bench chaos} sends requests through an upstream failing half its calls, with a healthy
 * fallback ({@link io.stellarchat.bench.gateway.ChaosBench});
 * {@code ./stellar bench grammar} measures grammar compile and token-mask times
 * ({@link io.stellarchat.bench.grammar.GrammarBench}); {@code ./stellar bench encode} measures embedding-model
 * encoding throughput beside llama.cpp's {@code llama-embedding} ({@link io.stellarchat.bench.encode.EncodeBench});
 * {@code ./stellar bench soak} runs an hour of mixed traffic and reports resource slopes
 * ({@link io.stellarchat.bench.soak.SoakBench}); {@code ./stellar bench kills --store sqlite|postgres} kills a
 * child server 200 times mid-reply and checks the store after each ({@link io.stellarchat.bench.soak.KillBench}); any other arguments go to the JMH
 * runner, so {@code ./stellar bench MatVecBench -p type=Q4_0} runs the kernel benchmarks of
 * {@link io.stellarchat.bench.kernels} (see their javadoc) and {@code ./stellar bench -l} lists them.
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("e2e")) {
            EndToEndBench.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].equals("gateway")) {
            io.stellarchat.bench.gateway.GatewayBench.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].equals("overload")) {
            io.stellarchat.bench.overload.OverloadBench.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].equals("chaos")) {
            io.stellarchat.bench.gateway.ChaosBench.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].equals("limits")) {
            io.stellarchat.bench.limits.AdmissionBench.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].equals("grammar")) {
            io.stellarchat.bench.grammar.GrammarBench.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].equals("encode")) {
            io.stellarchat.bench.encode.EncodeBench.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].equals("kills")) {
            io.stellarchat.bench.soak.KillBench.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].equals("soak")) {
            io.stellarchat.bench.soak.SoakBench.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].equals("serve")) {
            ServeBench.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        org.openjdk.jmh.Main.main(args);
    }
}
