package io.stellarchat.bench;

/**
 * Entry point of {@code ./stellar bench}: hands every argument to the JMH runner, so
 * {@code ./stellar bench MatVecBench -p type=Q4_0} runs the kernel benchmarks of
 * {@link io.stellarchat.bench.kernels} (see their javadoc) and {@code ./stellar bench -l} lists them.
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        org.openjdk.jmh.Main.main(args);
    }
}
