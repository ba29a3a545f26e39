package io.stellarchat.server.cli;

import io.stellarchat.engine.gguf.GgufFile;
import io.stellarchat.engine.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code stellar tokenize --model F.gguf "text"}: prints token ids (the model's vocabulary only is read). */
@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Print the token ids of a text.")
final class TokenizeCommand implements Callable<Integer> {
    private final CliEnvironment env;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "GGUF model or vocabulary file.")
    Path model;

    @Parameters(index = "0", paramLabel = "TEXT", description = "Text to tokenize.")
    String text;

    @Option(names = "--no-special", description = "Do not add BOS/EOS.")
    boolean noSpecial;

    @Option(names = "--parse-special", description = "Recognise control-token text such as <|im_end|>.")
    boolean parseSpecial;

    @Option(names = "--pieces", description = "Print each id with its piece, one per line.")
    boolean pieces;

    TokenizeCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        try (GgufFile f = GgufFile.open(model)) {
            Tokenizer tok = Tokenizer.fromGguf(f.metadata());
            int[] ids = tok.encode(text, !noSpecial, parseSpecial);
            if (pieces) {
                for (int id : ids) {
                    env.out().println(id + "\t" + tok.tokenText(id));
                }
            } else {
                StringBuilder b = new StringBuilder();
                for (int id : ids) {
                    if (!b.isEmpty()) {
                        b.append(' ');
                    }
                    b.append(id);
                }
                env.out().println(b);
            }
            env.out().flush();
            return 0;
        }
    }
}
