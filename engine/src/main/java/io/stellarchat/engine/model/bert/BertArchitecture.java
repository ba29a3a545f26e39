package io.stellarchat.engine.model.bert;

import io.stellarchat.engine.gguf.GgufFile;
import io.stellarchat.engine.model.EncoderArchitecture;
import io.stellarchat.engine.model.EncoderConfig;
import java.io.IOException;

/**
 * {@code bert}: BERT, BGE, E5, GTE, all-MiniLM, and the cross-encoders (bge-reranker, ms-marco MiniLM; XLM-RoBERTa
 * rerankers are converted to this name too) that add a classifier head ({@code cls}, {@code cls.output}) with
 * {@code pooling_type} rank. Learned absolute positions, Q/K/V with biases, post-LayerNorm, GELU feed-forward.
 */
public final class BertArchitecture implements EncoderArchitecture {
    @Override
    public String name() {
        return "bert";
    }

    @Override
    public EncoderConfig readEncoderConfig(GgufFile file) throws IOException {
        return EncoderArchitecture.readFamily(file, "bert", false, false, false);
    }
}
