package io.stellarchat.server.cli;

import io.stellarchat.server.config.LoadedConfig;
import io.stellarchat.server.observe.LogSetup;
import io.stellarchat.server.chat.ChatDatabase;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ModelsConfig;
import io.stellarchat.server.config.StellarConfig;
import io.stellarchat.server.gateway.local.ModelRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code stellar serve}: runs the service until SIGTERM or SIGINT, then shuts down gracefully (stop
 * accepting, let in-flight requests finish up to {@code server.drain_timeout}, close).
 */
@Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = StellarVersion.class,
        description = "Run the HTTP service (OpenAI-compatible API, health, metrics).")
final class ServeCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);
    private final CliEnvironment env;

    @Mixin
    ConfigOptions config;

    @Option(names = {"-m", "--model"}, paramLabel = "FILE",
            description = "A GGUF model to serve (repeatable), in addition to models.list and models.dir; its id is the file name without .gguf.")
    List<Path> extraModels = new ArrayList<>();

    ServeCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public Integer call() throws InterruptedException {
        LoadedConfig loaded = config.load(env);
        LogSetup.apply(loaded.config().logging());
        log.info("{}; configuration from {}", StellarVersion.line(),
                loaded.file() == null ? "defaults, environment and flags" : loaded.file());
        for (String w : loaded.warnings()) log.warn(w);

        StellarConfig cfg = loaded.config();
        if (!extraModels.isEmpty()) {
            List<ModelEntry> list = new ArrayList<>(cfg.models().list());
            for (Path p : extraModels) {
                list.add(new ModelEntry(ModelRegistry.idFor(p), p, List.of(), 0));
            }
            cfg = cfg.withModels(cfg.models().withList(list));
        }
        ModelRegistry models;
        try {
            models = ModelRegistry.load(cfg.models(), cfg.engine());
        } catch (IOException e) {
            throw new IllegalStateException("cannot load models: " + e.getMessage(), e);
        }
        ChatDatabase database;
        try {
            // Relative to the command's working directory (the process's, except in tests that run in-process).
            database = ChatDatabase.open(cfg.database(), env.workingDirectory().resolve(cfg.data().dir()),
                    Clock.systemUTC());
        } catch (RuntimeException e) {
            models.close();
            throw e;
        }
        int interrupted = database.history().markInterrupted();
        if (interrupted > 0) {
            log.warn("{} reply(s) were being generated when the process last stopped; marked interrupted", interrupted);
        }
        StellarService service = new StellarService(cfg, models, database, List.of());
        try {
            service.start();
        } catch (RuntimeException e) {
            service.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("stellar-shutdown").unstarted(() -> {
            service.close();
            log.info("shutdown complete");
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }
}
