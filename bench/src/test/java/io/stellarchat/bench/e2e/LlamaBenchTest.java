package io.stellarchat.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading llama-bench's CSV (as printed by llama.cpp build 4748 with {@code -o csv}) and the e2e options. */
class LlamaBenchTest {

    // Output of: llama-bench -m llama-1b-q8_0.gguf -t 2 -p 16 -n 4 -r 1 -o csv (the model path shortened)
    static final String CSV = """
            build_commit,build_number,cpu_info,gpu_info,backends,model_filename,model_type,model_size,model_n_params,n_batch,n_ubatch,n_threads,cpu_mask,cpu_strict,poll,type_k,type_v,n_gpu_layers,split_mode,main_gpu,no_kv_offload,flash_attn,tensor_split,use_mmap,embeddings,n_prompt,n_gen,test_time,avg_ns,stddev_ns,avg_ts,stddev_ts
            "c392e5094","4748","AMD EPYC","","CPU","llama-1b-q8_0.gguf","llama 1B Q8_0","1313251328","1235814400","2048","512","2","0x0","0","50","f16","f16","99","layer","0","0","0","0.00","1","0","16","0","2026-12-07T11:46:11Z","164184431","0","97.451384","0.000000"
            "c392e5094","4748","AMD EPYC","","CPU","llama-1b-q8_0.gguf","llama 1B Q8_0","1313251328","1235814400","2048","512","2","0x0","0","50","f16","f16","99","layer","0","0","0","0.00","1","0","0","4","2026-12-07T11:46:11Z","162316328","0","24.643239","0.000000"
            """;

    @Test
    void promptAndGenerationRatesComeFromTheirRows() throws IOException {
        double[] r = LlamaBench.parse(CSV);
        assertEquals(97.451384, r[0], 1e-9);
        assertEquals(24.643239, r[1], 1e-9);
    }

    @Test
    void aTestThatDidNotRunIsNaN() throws IOException {
        String onlyPrompt = CSV.lines().limit(2).reduce("", (a, b) -> a + b + "\n");
        double[] r = LlamaBench.parse(onlyPrompt);
        assertEquals(97.451384, r[0], 1e-9);
        assertTrue(Double.isNaN(r[1]));
    }

    @Test
    void outputWithoutTheColumnsIsAnError() {
        assertThrows(IOException.class, () -> LlamaBench.parse("| model | size |\n| --- | --- |\n"));
    }

    @Test
    void kernelSetsAreParsedAndCheckedBeforeAnyWork() {
        BenchArgs a = BenchArgs.parse(new String[] {"--models", "llama-tiny-q8_0", "--kernels", "java, native",
                "--llama-bench", "/opt/llama-bench"});
        assertEquals(List.of("java", "native"), a.kernels());
        assertEquals("/opt/llama-bench", a.llamaBench().toString());
        assertEquals(List.of("auto"), BenchArgs.parse(new String[] {"--models", "llama-tiny-q8_0"}).kernels());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BenchArgs.parse(new String[] {"--kernels", "fast"}));
        assertTrue(e.getMessage().contains("--kernels"), e.getMessage());
    }
}
